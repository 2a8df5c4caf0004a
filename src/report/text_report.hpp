// `triage` on a terminal: verdicts and gate first, then providers, categories and templates as
// tables, then the next steps. Colour only when asked (a terminal without NO_COLOR).
#pragma once

#include <string>

#include "report/report.hpp"

namespace mxt::report {

std::string triage_text(const ReportInput& in, bool colour);

}  // namespace mxt::report
