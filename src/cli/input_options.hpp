// The input options `diagnose` and `triage` share (--format, --threads, --campaign-pattern,
// --rules, --follow-symlinks and the paths), declared once, and their translation into the
// pipeline's IngestOptions and a loaded classifier.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ingest/pipeline.hpp"
#include "rules/classifier.hpp"

namespace mxt::cli {

struct InputArgs {
    std::vector<std::string> paths;  // empty = "-" (stdin)
    std::vector<std::string> rules;
    std::string format, campaign_pattern;
    unsigned threads = 0;
    bool follow_symlinks = false;

    IngestOptions ingest_options() const;
    std::vector<std::string> paths_or_stdin() const;
};

void add_input_options(CLI::App* cmd, InputArgs& args);

// Checks --campaign-pattern and loads the classifier with the user's rule files; prints every
// error as "mxtriage: ..." and returns nullptr on failure (bad configuration: exit status 2).
std::shared_ptr<const Classifier> prepare_inputs(const InputArgs& args);

}  // namespace mxt::cli
