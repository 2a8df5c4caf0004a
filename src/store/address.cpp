// Address normalisation; see address.hpp.
#include "store/address.hpp"

#include <cctype>

namespace mxt::store {
namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

std::optional<NormalAddress> normalise_address(std::string_view raw) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
    if (raw.size() >= 2 && raw.front() == '<' && raw.back() == '>') raw = raw.substr(1, raw.size() - 2);
    auto at = raw.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == raw.size()) return std::nullopt;
    std::string_view local = raw.substr(0, at);
    std::string_view domain = raw.substr(at + 1);
    while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);  // "example.com."
    if (domain.empty()) return std::nullopt;
    for (char c : raw)
        if (is_space(c) || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    NormalAddress n;
    n.display = std::string(local) + "@" + lower(domain);
    n.key = lower(local) + "@" + lower(domain);
    return n;
}

}  // namespace mxt::store
