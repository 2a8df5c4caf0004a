// How subcommands plug into the thin CLI: each src/cli/<command>.cpp defines a setup function that
// adds its CLI11 subcommand to the root app, and registers it with MXT_COMMAND. main() runs the
// parse and returns the exit status the command stored: 0 ok, 1 findings, 2 errors.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace mxt::cli {

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

using Setup = void (*)(CLI::App& root, int& exit_status);

struct Registrar {
    Registrar(std::string_view name, Setup setup);
};

// Prints "mxtriage: <message>" on stderr.
void error(std::string_view message);
// Prints "mxtriage: warning: <message>" on stderr.
void warning(std::string_view message);

// True when stdout is a terminal and NO_COLOR is unset.
bool colour_stdout();

}  // namespace mxt::cli

#define MXT_CONCAT_INNER(a, b) a##b
#define MXT_CONCAT(a, b) MXT_CONCAT_INNER(a, b)
#define MXT_COMMAND(name, setup) \
    static const ::mxt::cli::Registrar MXT_CONCAT(mxt_registrar_, __LINE__)(name, setup)
