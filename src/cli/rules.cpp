// `mxtriage rules check FILE...` validates and compiles rule files together with the shipped
// ones (so id clashes are caught too) and reports every problem as file:line; `mxtriage rules
// list` prints the rule table in precedence order.
#include <re2/re2.h>

#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "rules/classifier.hpp"
#include "rules/rule_table.hpp"
#include "util/json_writer.hpp"

namespace mxt::cli {
namespace {

struct RulesOptions {
    std::vector<std::string> files;
    bool alone = false;
    bool json = false;
};

int check(const RulesOptions& opt) {
    if (opt.files.empty()) {
        error("rules check: give at least one rule file");
        return kExitError;
    }
    // rules/triage.toml holds the triage thresholds, not rules: `mxtriage triage` validates it.
    std::vector<std::string> files;
    for (const auto& f : opt.files) {
        if (std::filesystem::path(f).filename() == "triage.toml")
            std::cerr << "mxtriage: " << f << ": triage thresholds, not rules: skipped\n";
        else
            files.push_back(f);
    }
    auto loaded = Classifier::load(files, opt.alone ? std::string() : Classifier::default_rules_dir());
    if (!loaded) {
        for (const auto& e : loaded.error()) error(e.str());
        std::cerr << loaded.error().size() << " error(s)\n";
        return kExitFindings;
    }
    const auto& set = (*loaded)->impl().set;
    // Patterns must be in the common subset of vectorscan and RE2 syntax (docs/rule-format.md):
    // vectorscan compiled them; check that RE2 accepts them too.
    int problems = 0;
    RE2::Options o;
    o.set_log_errors(false);
    auto check_re2 = [&](const rules::TextPattern& p) {
        RE2 re(p.regex, o);
        if (!re.ok()) {
            error(p.place.file + ":" + std::to_string(p.place.line) + ": pattern '" + p.regex +
                  "' is not valid RE2 syntax: " + re.error());
            ++problems;
        }
    };
    for (const auto& r : set.rules)
        for (const auto& p : r.texts) check_re2(p);
    for (const auto& p : set.providers)
        for (const auto& t : p.texts) check_re2(t);
    for (const auto& w : set.warnings) warning(w.str());
    if (problems) {
        std::cerr << problems << " error(s)\n";
        return kExitFindings;
    }
    std::size_t patterns = 0;
    for (const auto& r : set.rules) patterns += r.texts.size();
    std::cout << "ok: " << set.rules.size() << " rules (" << patterns << " text patterns), "
              << set.providers.size() << " provider entries, " << set.blocklists.size()
              << " blocklists; " << set.warnings.size() << " warning(s)\n";
    return kExitOk;
}

int list(const RulesOptions& opt) {
    auto loaded = Classifier::load(opt.files, Classifier::default_rules_dir());
    if (!loaded) {
        for (const auto& e : loaded.error()) error(e.str());
        return kExitError;
    }
    const auto& set = (*loaded)->impl().set;
    std::string out;
    for (const auto& r : set.rules) {
        if (opt.json) {
            JsonWriter w(out);
            w.begin_object();
            w.field("id", r.id).field("tier", r.tier).field_or_null("provider", r.provider);
            w.field("category", to_string(r.category)).field("reason", r.reason);
            w.field("action", to_string(r.action));
            w.field("file", r.place.file).field("line", r.place.line);
            w.end_object();
            out.push_back('\n');
        } else {
            out += std::to_string(r.tier) + "  " + r.id + "  " + std::string(to_string(r.category)) +
                   "/" + r.reason + "  " + std::string(to_string(r.action)) + "  " + r.place.file +
                   ":" + std::to_string(r.place.line) + "\n";
        }
    }
    std::cout << out;
    return kExitOk;
}

void setup(CLI::App& root, int& exit_status) {
    auto opt = std::make_shared<RulesOptions>();
    auto* cmd = root.add_subcommand("rules", "Check or list classification rules");
    cmd->require_subcommand(1);
    auto* chk = cmd->add_subcommand("check", "Validate and compile rule files (with the shipped rules)");
    chk->add_option("files", opt->files, "Rule files (TOML, see docs/rule-format.md)")->required();
    chk->add_flag("--alone", opt->alone, "Check the files without the shipped rules");
    chk->footer(R"(Examples:
  mxtriage rules check my-rules.toml
  mxtriage rules check --alone rules/*.toml

Exit status: 0 when the files are valid, 1 when they have errors (each printed as file:line), 2 on usage errors.)");
    chk->callback([opt, &exit_status] { exit_status = check(*opt); });
    auto* lst = cmd->add_subcommand("list", "Print the rules in precedence order (tier, id, category/reason, action, place)");
    lst->add_option("--rules", opt->files, "Extra rule file, tried before the shipped rules (repeatable)");
    lst->add_flag("--json", opt->json, "JSON Lines output");
    lst->footer("Example:\n  mxtriage rules list | grep microsoft");
    lst->callback([opt, &exit_status] { exit_status = list(*opt); });
}

MXT_COMMAND("rules", setup);

}  // namespace
}  // namespace mxt::cli
