// A disk cache of compiled vectorscan databases. Compiling the ~1,000 rule patterns takes about a
// quarter of a second, more than reading 50 MB of log, and every mxtriage run pays it; the
// compiled database is the same as long as the patterns, their flags and ids, the library
// version and the CPU features are. hs_serialize_database() writes it, hs_deserialize_database()
// reads it back in a few milliseconds.
//
// Where: $MXTRIAGE_CACHE_DIR, else $XDG_CACHE_HOME/mxtriage, else $HOME/.cache/mxtriage. Set
// MXTRIAGE_CACHE_DIR to "off" to compile every time. The cache is an optimisation only: any
// failure to read or write it (no home directory, a read-only disk, a truncated or foreign file)
// falls back to compiling, silently; a file is written under a temporary name and renamed, so a
// reader never sees half of one.
#pragma once

#include <hs/hs.h>

#include <string>
#include <vector>

namespace mxt::rules {

// Like hs_compile_multi in HS_MODE_BLOCK with the host platform, through the cache. On a compile
// error returns its status with `error` set (to be freed with hs_free_compile_error), as
// hs_compile_multi does.
hs_error_t compile_multi_cached(const std::vector<const char*>& exprs,
                                const std::vector<unsigned>& flags, const std::vector<unsigned>& ids,
                                hs_database_t** db, hs_compile_error_t** error);

// The directory used, "" when caching is off or no directory can be named.
std::string hs_cache_dir();

}  // namespace mxt::rules
