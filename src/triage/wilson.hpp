// Wilson score interval for a binomial proportion. Triage compares the lower bound of a rate with
// a threshold instead of the raw rate, so that 2 bounces out of 20 (10 %, lower bound 2.8 % at
// z = 1.96) do not look like 200 out of 2000 (10 %, lower bound 8.8 %).
#pragma once

#include <cstdint>

namespace mxt::triage {

// Lower / upper bound of the proportion k/n at normal quantile z; 0 / 1 when n == 0.
double wilson_lower(std::int64_t k, std::int64_t n, double z);
double wilson_upper(std::int64_t k, std::int64_t n, double z);

}  // namespace mxt::triage
