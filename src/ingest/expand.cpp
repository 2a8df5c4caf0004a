// Path expansion (expand.hpp) over std::filesystem with error codes (no exceptions).
#include "ingest/expand.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace mxt {
namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_maildir(const fs::path& p) { return is_dir(p / "cur") && is_dir(p / "new"); }

std::vector<fs::directory_entry> sorted_entries(const fs::path& dir, Expansion& out) {
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
        out.problems.push_back({dir.string(), 0, 0, 0, "cannot read directory: " + ec.message()});
        return entries;
    }
    for (; it != end; it.increment(ec)) {
        if (ec) {
            out.problems.push_back({dir.string(), 0, 0, 0, "cannot read directory: " + ec.message()});
            break;
        }
        entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    return entries;
}

void walk(const fs::path& dir, const std::string& forced, bool follow, int depth, Expansion& out) {
    if (depth > 64) {
        out.problems.push_back({dir.string(), 0, 0, 0, "directory nesting too deep; not read"});
        return;
    }
    if (is_maildir(dir)) {
        for (const char* sub : {"cur", "new"})
            for (const auto& e : sorted_entries(dir / sub, out)) {
                std::error_code ec;
                if (e.is_regular_file(ec) && (follow || !e.is_symlink(ec)))
                    out.inputs.push_back({e.path().string(), forced.empty() ? "message" : forced});
            }
        return;
    }
    for (const auto& e : sorted_entries(dir, out)) {
        std::error_code ec;
        if (e.is_symlink(ec) && !follow) continue;
        std::string name = e.path().filename().string();
        if (name.starts_with(".")) continue;  // hidden files and editors' swap files
        if (e.is_directory(ec)) walk(e.path(), forced, follow, depth + 1, out);
        else if (e.is_regular_file(ec)) out.inputs.push_back({e.path().string(), forced});
    }
}

}  // namespace

Expansion expand_paths(const std::vector<std::string>& paths, const std::string& forced_format,
                       bool follow_symlinks) {
    Expansion out;
    for (const auto& p : paths) {
        if (p != "-" && is_dir(p)) walk(p, forced_format, follow_symlinks, 0, out);
        else out.inputs.push_back({p, forced_format});
    }
    return out;
}

}  // namespace mxt
