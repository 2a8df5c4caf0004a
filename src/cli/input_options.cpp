// See input_options.hpp.
#include "cli/input_options.hpp"

#include "cli/command.hpp"
#include "cli/rules_options.hpp"
#include "ingest/campaign.hpp"

namespace mxt::cli {

IngestOptions InputArgs::ingest_options() const {
    IngestOptions options;
    options.format = format;
    options.threads = threads;
    options.campaign_pattern = campaign_pattern;
    options.follow_symlinks = follow_symlinks;
    return options;
}

std::vector<std::string> InputArgs::paths_or_stdin() const {
    return paths.empty() ? std::vector<std::string>{"-"} : paths;
}

void add_input_options(CLI::App* cmd, InputArgs& args) {
    cmd->add_option("paths", args.paths, "Inputs (default: - for stdin)");
    cmd->add_option("--format", args.format, "Force one reader instead of detecting")
        ->check(CLI::IsMember(reader_names()));
    cmd->add_option("--threads", args.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(0u, 1024u));
    cmd->add_option("--campaign-pattern", args.campaign_pattern,
                    "RE2 pattern with named groups (?P<campaign>...) and (?P<segment>...) applied "
                    "to the envelope sender (default: VERP bounces+CAMPAIGN.SEGMENT@domain)");
    cmd->add_option("--rules", args.rules,
                    "User rule file loaded in front of the shipped rules (repeatable)");
    cmd->add_flag("--follow-symlinks", args.follow_symlinks, "Follow symbolic links in directories");
}

std::shared_ptr<const Classifier> prepare_inputs(const InputArgs& args) {
    if (auto p = CampaignExtractor::make(args.campaign_pattern); !p) {
        error(p.error());
        return nullptr;
    }
    return load_classifier(args.rules);
}

}  // namespace mxt::cli
