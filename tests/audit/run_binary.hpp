// Test helper: runs the built mxtriage binary (MXT_BINARY) with arguments and collects its exit
// status, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace mxt::audit::testing {

struct RunResult {
    int status = -1;
    std::string out, err;
};

RunResult run_mxtriage(const std::vector<std::string>& args);

}  // namespace mxt::audit::testing
