// `triage --html FILE`: one self-contained page (inline CSS and SVG, no script, no external
// resource) with the verdicts, the gate, charts of rejections by provider and by category and of
// rates over time, and the template table, to send to a colleague as a single file.
#pragma once

#include <string>

#include "report/report.hpp"

namespace mxt::report {

std::string triage_html(const ReportInput& in);

}  // namespace mxt::report
