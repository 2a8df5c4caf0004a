// Small SVG chart generators for the HTML report. The charts are generated here as inline SVG
// rather than drawn by a JavaScript charting library: the page must open anywhere (mail
// attachment, offline, strict content-security policies) with nothing to fetch or execute, and
// three bar charts do not need a library.
#pragma once

#include <string>
#include <vector>

namespace mxt::report {

std::string html_escape(std::string_view s);

struct BarItem {
    std::string label;
    double value = 0;
    std::string value_text;  // shown at the bar's end
    std::string colour;  // CSS colour
};

// Horizontal bars, one row per item.
std::string horizontal_bars(const std::string& title, const std::vector<BarItem>& items);

struct TimePoint {
    std::string label;  // x-axis label
    double bounced_rate = 0;
    double deferred_rate = 0;
    long attempts = 0;
};

// Grouped vertical bars per time bucket: bounced and deferred share of attempts.
std::string rate_columns(const std::string& title, const std::vector<TimePoint>& points);

}  // namespace mxt::report
