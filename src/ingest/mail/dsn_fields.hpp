// RFC 3464 delivery-status fields (section 2): one per-message group, then one group per
// recipient, separated by blank lines. Also reads RFC 6533 message/global-delivery-status, whose
// fields may hold UTF-8 (section 3) and utf-8 address types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail/bounce.hpp"
#include "ingest/mail/headers.hpp"

namespace mxt::mail {

struct DsnReport {
    HeaderBlock message;  // Reporting-MTA, Arrival-Date, ...
    std::vector<HeaderBlock> recipients;
};

DsnReport parse_dsn_fields(std::string_view text);

// Strips an address or diagnostic type ("rfc822;", "utf-8;", "smtp;", "X-Postfix;").
std::string_view strip_type(std::string_view value);

// One recipient from its per-recipient group (RFC 3464 section 2.3).
RecipientResult recipient_from_dsn(const HeaderBlock& per_message, const HeaderBlock& group);

}  // namespace mxt::mail
