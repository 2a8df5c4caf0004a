// E-mail address normalisation for the suppression list. The domain is lower-cased (DNS names are
// case-insensitive); the local part keeps its case for display because RFC 5321 lets a receiver
// treat it case-sensitively, but entries are compared by the fully lower-cased address, because
// no mailbox provider we know of delivers Alice@ and alice@ to different people.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxt::store {

struct NormalAddress {
    std::string display;  // local part as given, "@", domain lower-cased
    std::string key;  // everything lower-cased: the comparison key
};

// Trims white space and one pair of angle brackets; nullopt when there is no "local@domain".
std::optional<NormalAddress> normalise_address(std::string_view raw);

}  // namespace mxt::store
