// Helpers shared by the triage renderers; see report.hpp.
#include "report/report.hpp"

#include <algorithm>
#include <cstdio>

#include "store/clock.hpp"

namespace mxt::report {

std::string percent(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, (r > 0 && r < 0.01) ? "%.2f %%" : "%.1f %%", r * 100);
    return buf;
}

double ratio(std::int64_t k, std::int64_t n) {
    return n > 0 ? static_cast<double>(k) / static_cast<double>(n) : 0.0;
}

std::vector<std::string> providers_by_rejections(const triage::Aggregator& a) {
    std::vector<std::string> out;
    for (const auto& [p, c] : a.providers) out.push_back(p);
    std::stable_sort(out.begin(), out.end(), [&](const std::string& x, const std::string& y) {
        return a.providers.at(x).rejections() > a.providers.at(y).rejections();
    });
    return out;
}

std::vector<std::pair<Category, std::int64_t>> categories_by_count(const triage::Counts& c) {
    std::vector<std::pair<Category, std::int64_t>> out;
    for (std::size_t i = 0; i < triage::kCategoryCount; ++i) {
        auto cat = static_cast<Category>(i);
        if (cat == Category::delivered) continue;
        if (std::int64_t n = c.rejected(cat); n > 0) out.emplace_back(cat, n);
    }
    std::stable_sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.second > y.second; });
    return out;
}

std::vector<const triage::TemplateStat*> templates_by_count(const triage::Aggregator& a) {
    std::vector<const triage::TemplateStat*> out;
    for (const auto& [k, t] : a.templates) out.push_back(&t);
    std::stable_sort(out.begin(), out.end(), [](auto* x, auto* y) { return x->count > y->count; });
    return out;
}

std::vector<Bucket> time_buckets(const triage::Aggregator& a, bool* by_day) {
    std::vector<Bucket> out;
    if (a.hours.empty()) return out;
    bool days = a.hours.rbegin()->first - a.hours.begin()->first > 3 * 86400;
    if (by_day) *by_day = days;
    std::int64_t width = days ? 86400 : 3600;
    for (const auto& [hour, b] : a.hours) {
        std::int64_t start = hour / width * width;
        if (out.empty() || out.back().start != start) out.push_back({start, {}});
        triage::TimeBucket& t = out.back().counts;
        t.attempts += b.attempts;
        t.delivered += b.delivered;
        t.deferred += b.deferred;
        t.bounced += b.bounced;
    }
    return out;
}

std::string iso_time(std::int64_t unix_time) {
    return unix_time == 0 ? std::string() : store::iso_utc(unix_time);
}

}  // namespace mxt::report
