// SVG bar charts; see svg_chart.hpp for why they are generated here.
#include "report/svg_chart.hpp"

#include <algorithm>
#include <cstdio>

namespace mxt::report {
namespace {
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}
}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

std::string horizontal_bars(const std::string& title, const std::vector<BarItem>& items) {
    const double label_w = 150, bar_w = 380, row_h = 26, top = 8;
    double height = top * 2 + row_h * static_cast<double>(std::max<std::size_t>(items.size(), 1));
    double max = 0;
    for (const auto& it : items) max = std::max(max, it.value);
    std::string s = "<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(label_w + bar_w + 220) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " +
                    num(label_w + bar_w + 220) + " " + num(height) + "\"><title>" +
                    html_escape(title) + "</title>";
    if (items.empty())
        s += "<text x=\"4\" y=\"20\" class=\"muted\">nothing to show</text>";
    for (std::size_t i = 0; i < items.size(); ++i) {
        const BarItem& it = items[i];
        double y = top + row_h * static_cast<double>(i);
        double w = max > 0 ? std::max(1.0, bar_w * it.value / max) : 0;
        s += "<text x=\"" + num(label_w - 8) + "\" y=\"" + num(y + 17) +
             "\" text-anchor=\"end\">" + html_escape(it.label) + "</text>";
        s += "<rect class=\"bar\" x=\"" + num(label_w) + "\" y=\"" + num(y + 4) + "\" width=\"" +
             num(w) + "\" height=\"" + num(row_h - 8) + "\" fill=\"" + it.colour + "\"><title>" +
             html_escape(it.label + ": " + it.value_text) + "</title></rect>";
        s += "<text x=\"" + num(label_w + w + 6) + "\" y=\"" + num(y + 17) + "\">" +
             html_escape(it.value_text) + "</text>";
    }
    return s + "</svg>";
}

std::string rate_columns(const std::string& title, const std::vector<TimePoint>& points) {
    const double left = 46, plot_h = 200, top = 10, bottom = 60;
    const double group_w = std::clamp(640.0 / static_cast<double>(std::max<std::size_t>(points.size(), 1)), 10.0, 60.0);
    double width = left + group_w * static_cast<double>(points.size()) + 70;  // room for the last rotated label
    width = std::max(width, 300.0);
    double max = 0.01;
    for (const auto& p : points) max = std::max({max, p.bounced_rate, p.deferred_rate});
    max = std::min(1.0, max * 1.1);
    std::string s = "<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(width) + "\" height=\"" + num(top + plot_h + bottom) + "\" viewBox=\"0 0 " +
                    num(width) + " " + num(top + plot_h + bottom) + "\"><title>" +
                    html_escape(title) + "</title>";
    // Axis with three gridlines.
    for (int g = 0; g <= 2; ++g) {
        double v = max * g / 2, y = top + plot_h - plot_h * g / 2;
        s += "<line x1=\"" + num(left) + "\" x2=\"" + num(width - 10) + "\" y1=\"" + num(y) +
             "\" y2=\"" + num(y) + "\" class=\"grid\"/>";
        s += "<text x=\"" + num(left - 4) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
             num(v * 100) + "%</text>";
    }
    std::size_t label_every = std::max<std::size_t>(1, points.size() / 12);
    for (std::size_t i = 0; i < points.size(); ++i) {
        const TimePoint& p = points[i];
        double x = left + group_w * static_cast<double>(i);
        double bw = std::max(2.0, group_w / 2 - 2);
        double hb = plot_h * p.bounced_rate / max, hd = plot_h * p.deferred_rate / max;
        std::string tip = p.label + ": " + num(p.bounced_rate * 100) + "% bounced, " +
                          num(p.deferred_rate * 100) + "% deferred of " + std::to_string(p.attempts) +
                          " attempts";
        s += "<rect class=\"bar bounced\" x=\"" + num(x + 1) + "\" y=\"" + num(top + plot_h - hb) +
             "\" width=\"" + num(bw) + "\" height=\"" + num(std::max(hb, 0.5)) +
             "\" fill=\"#c0392b\"><title>" + html_escape(tip) + "</title></rect>";
        s += "<rect class=\"bar deferred\" x=\"" + num(x + 1 + bw) + "\" y=\"" +
             num(top + plot_h - hd) + "\" width=\"" + num(bw) + "\" height=\"" +
             num(std::max(hd, 0.5)) + "\" fill=\"#e0a526\"><title>" + html_escape(tip) +
             "</title></rect>";
        if (i % label_every == 0)
            s += "<text x=\"" + num(x + group_w / 2) + "\" y=\"" + num(top + plot_h + 14) +
                 "\" transform=\"rotate(40 " + num(x + group_w / 2) + " " +
                 num(top + plot_h + 14) + ")\">" + html_escape(p.label) + "</text>";
    }
    return s + "</svg>";
}

}  // namespace mxt::report
