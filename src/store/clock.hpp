// Timestamps as the store writes them: ISO 8601 in UTC with a trailing Z, so that text order is
// time order in SQL comparisons (MIN/MAX of first_seen/last_seen).
#pragma once

#include <cstdint>
#include <string>

namespace mxt::store {

std::int64_t now_unix();
std::string iso_utc(std::int64_t unix_time);

}  // namespace mxt::store
