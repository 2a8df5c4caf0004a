// Wilson score bounds; see wilson.hpp and docs/decision-tree.md for the formula.
#include "triage/wilson.hpp"

#include <algorithm>
#include <cmath>

namespace mxt::triage {
namespace {
double bound(std::int64_t k, std::int64_t n, double z, double sign) {
    if (n <= 0) return sign < 0 ? 0.0 : 1.0;
    double nn = static_cast<double>(n), p = static_cast<double>(k) / nn, z2 = z * z;
    double centre = p + z2 / (2 * nn);
    double spread = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    return std::clamp((centre + sign * spread) / (1 + z2 / nn), 0.0, 1.0);
}
}  // namespace

double wilson_lower(std::int64_t k, std::int64_t n, double z) { return bound(k, n, z, -1); }
double wilson_upper(std::int64_t k, std::int64_t n, double z) { return bound(k, n, z, +1); }

}  // namespace mxt::triage
