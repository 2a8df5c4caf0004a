// `triage --json`: one JSON object (docs/triage-json.md).
#pragma once

#include <string>

#include "report/report.hpp"

namespace mxt::report {

std::string triage_json(const ReportInput& in);

}  // namespace mxt::report
