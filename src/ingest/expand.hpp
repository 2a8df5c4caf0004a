// Expands the paths given on the command line into inputs, in a deterministic order: a directory
// is walked recursively with entries sorted by name; a Maildir (a directory with cur/ and new/)
// yields the messages in cur/ then new/ (tmp/ holds messages still being written: skipped, per
// the Maildir specification); "-" is stdin. Paths that do not exist are kept, so that opening
// them reports the error in its place.
#pragma once

#include <string>
#include <vector>

#include "ingest/input.hpp"
#include "ingest/sink.hpp"

namespace mxt {

struct Expansion {
    std::vector<InputSpec> inputs;
    std::vector<InputProblem> problems;  // unreadable directories
};

Expansion expand_paths(const std::vector<std::string>& paths, const std::string& forced_format,
                       bool follow_symlinks);

}  // namespace mxt
