// The mxtriage command line: a thin dispatcher over the subcommands registered by src/cli/*.cpp.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.hpp"

namespace mxt::cli {
namespace {
std::vector<std::pair<std::string, Setup>>& registry() {
    static std::vector<std::pair<std::string, Setup>> commands;
    return commands;
}
}  // namespace

Registrar::Registrar(std::string_view name, Setup setup) {
    registry().emplace_back(std::string(name), setup);
}

void error(std::string_view message) {
    std::fflush(stdout);
    std::cerr << "mxtriage: " << message << '\n';
}

void warning(std::string_view message) {
    std::fflush(stdout);
    std::cerr << "mxtriage: warning: " << message << '\n';
}

bool colour_stdout() {
    const char* no_colour = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && (no_colour == nullptr || *no_colour == '\0');
}

}  // namespace mxt::cli

int main(int argc, char** argv) {
    using namespace mxt::cli;
    CLI::App app{
        "mxtriage: tells email senders why their mail was rejected and what to do about it.\n"
        "Reads SMTP replies, bounce emails, mailboxes and MTA logs; classifies every rejection;\n"
        "triages campaigns; keeps a suppression list; audits SPF, DKIM, DMARC and blocklists.",
        "mxtriage"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "mxtriage 0.1.0");
    int exit_status = kExitOk;
    auto& commands = registry();
    std::sort(commands.begin(), commands.end());
    for (auto& [name, setup] : commands) setup(app, exit_status);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        error(e.what());
        std::cerr << "Run with --help for usage.\n";
        return kExitError;
    }
    return exit_status;
}
