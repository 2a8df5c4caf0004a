// libpsl wrapper. Names are lower-cased (and IDNs converted by libpsl to its UTF-8 form) first,
// because psl_registrable_domain expects lower-case input.
#include "audit/psl.hpp"

#include <libpsl.h>

#include <cctype>
#include <cstdlib>

namespace mxt::audit {

struct PublicSuffixList::Handle {
    psl_ctx_t* ctx = nullptr;
    bool owned = false;
    ~Handle() {
        if (owned) psl_free(ctx);
    }
};

std::string lower_domain(std::string_view d) {
    std::string s(d);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

std::expected<PublicSuffixList, std::string> PublicSuffixList::system() {
    PublicSuffixList l;
    l.handle = std::make_shared<Handle>();
    l.handle->ctx = psl_latest(nullptr);
    l.handle->owned = l.handle->ctx != nullptr;
    if (!l.handle->ctx) l.handle->ctx = const_cast<psl_ctx_t*>(psl_builtin());
    if (!l.handle->ctx) return std::unexpected(std::string("no Public Suffix List available (libpsl)"));
    return l;
}

std::expected<PublicSuffixList, std::string> PublicSuffixList::load(const std::string& path) {
    PublicSuffixList l;
    l.handle = std::make_shared<Handle>();
    l.handle->ctx = psl_load_file(path.c_str());
    if (!l.handle->ctx) return std::unexpected(path + ": cannot load the Public Suffix List");
    l.handle->owned = true;
    return l;
}

namespace {
// libpsl wants lower-case UTF-8; psl_str_to_utf8lower also turns punycode-free input lower-case.
std::string normalise(std::string_view domain) {
    std::string d(domain);
    char* out = nullptr;
    if (psl_str_to_utf8lower(d.c_str(), nullptr, nullptr, &out) == PSL_SUCCESS && out) {
        d = out;
        psl_free_string(out);
    } else {
        d = lower_domain(d);
    }
    return d;
}
}  // namespace

std::string PublicSuffixList::registrable_domain(std::string_view domain) const {
    if (domain.empty() || domain.front() == '.') return {};
    std::string d = normalise(domain);
    while (!d.empty() && d.back() == '.') d.pop_back();
    const char* r = psl_registrable_domain(handle->ctx, d.c_str());
    return r ? std::string(r) : std::string();
}

std::string PublicSuffixList::org_domain(std::string_view domain) const {
    std::string r = registrable_domain(domain);
    return r.empty() ? lower_domain(domain) : r;
}

bool PublicSuffixList::is_public_suffix(std::string_view domain) const {
    std::string d = normalise(domain);
    return psl_is_public_suffix(handle->ctx, d.c_str()) != 0;
}

bool aligned(const PublicSuffixList& psl, std::string_view a, std::string_view b, bool strict) {
    // Stray leading dots (".mac.com.") are dropped, as OpenDMARC does, before comparing.
    std::string x = lower_domain(a), y = lower_domain(b);
    while (!x.empty() && x.front() == '.') x.erase(0, 1);
    while (!y.empty() && y.front() == '.') y.erase(0, 1);
    if (x.empty() || y.empty()) return false;
    if (strict) return x == y;
    return psl.org_domain(x) == psl.org_domain(y);
}

}  // namespace mxt::audit
