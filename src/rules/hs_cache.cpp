// The compiled-database cache (hs_cache.hpp).
#include "rules/hs_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "util/hash.hpp"

namespace mxt::rules {
namespace {

namespace fs = std::filesystem;

// Files larger than this are not ours (the shipped rules compile to about 1 MB).
constexpr std::size_t kMaxCachedBytes = 256u << 20;

// Everything the compiled database depends on: the library's version, the CPU features it would
// compile for, and each pattern with its flags and id.
std::string cache_key(const std::vector<const char*>& exprs, const std::vector<unsigned>& flags,
                      const std::vector<unsigned>& ids) {
    hs_platform_info_t platform{};
    hs_populate_platform(&platform);
    std::uint64_t h = 0;
    hash_combine(h, hs_version());
    hash_combine(h, std::string_view(reinterpret_cast<const char*>(&platform), sizeof platform));
    for (std::size_t i = 0; i < exprs.size(); ++i) {
        hash_combine(h, exprs[i]);
        char meta[32];
        int n = std::snprintf(meta, sizeof meta, "%u/%u", flags[i], ids[i]);
        hash_combine(h, std::string_view(meta, static_cast<std::size_t>(n)));
    }
    char name[40];
    std::snprintf(name, sizeof name, "rules-%016llx.hsdb", static_cast<unsigned long long>(h));
    return name;
}

bool read_file(const std::string& path, std::string& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
              static_cast<std::size_t>(st.st_size) <= kMaxCachedBytes;
    if (ok) {
        out.resize(static_cast<std::size_t>(st.st_size));
        std::size_t have = 0;
        while (ok && have < out.size()) {
            ssize_t got = ::read(fd, out.data() + have, out.size() - have);
            if (got <= 0) ok = false;
            else have += static_cast<std::size_t>(got);
        }
    }
    ::close(fd);
    return ok;
}

void write_file_atomically(const std::string& dir, const std::string& path, const char* bytes,
                           std::size_t size) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    std::size_t done = 0;
    bool ok = true;
    while (ok && done < size) {
        ssize_t put = ::write(fd, bytes + done, size - done);
        if (put <= 0) ok = false;
        else done += static_cast<std::size_t>(put);
    }
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace

std::string hs_cache_dir() {
    if (const char* dir = std::getenv("MXTRIAGE_CACHE_DIR"); dir && *dir)
        return std::string_view(dir) == "off" ? "" : dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return std::string(xdg) + "/mxtriage";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.cache/mxtriage";
    return "";
}

hs_error_t compile_multi_cached(const std::vector<const char*>& exprs,
                                const std::vector<unsigned>& flags, const std::vector<unsigned>& ids,
                                hs_database_t** db, hs_compile_error_t** error) {
    *db = nullptr;
    *error = nullptr;
    std::string dir = hs_cache_dir();
    std::string path;
    if (!dir.empty()) {
        path = dir + "/" + cache_key(exprs, flags, ids);
        std::string bytes;
        if (read_file(path, bytes) &&
            hs_deserialize_database(bytes.data(), bytes.size(), db) == HS_SUCCESS) {
            // A database from another build of the library would have failed to deserialise;
            // check that it is a block-mode database before trusting it.
            char* info = nullptr;
            bool block_mode = hs_database_info(*db, &info) == HS_SUCCESS && info != nullptr &&
                              std::strstr(info, "BLOCK") != nullptr;
            std::free(info);
            if (block_mode) return HS_SUCCESS;
            hs_free_database(*db);
            *db = nullptr;
        }
    }
    hs_error_t rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                                     static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr,
                                     db, error);
    if (rc != HS_SUCCESS || path.empty()) return rc;
    char* bytes = nullptr;
    std::size_t size = 0;
    if (hs_serialize_database(*db, &bytes, &size) == HS_SUCCESS) {
        write_file_atomically(dir, path, bytes, size);
        std::free(bytes);
    }
    return rc;
}

}  // namespace mxt::rules
