// The table of bounce readers, tried in order: complaint reports first (they are multipart/report
// too), then the formats with their own markers, then standard DSNs, auto-replies, and the
// plain-text fallback. The first whose detect step passes and whose read step finds a recipient
// wins.
#include "ingest/mail/readers_all.hpp"

namespace mxt::mail {

const std::vector<Reader>& readers() {
    static const std::vector<Reader> table = {
        {"arf", arf_detect, arf_read},
        {"amazonses", amazonses_detect, amazonses_read},
        {"dragonfly", dragonfly_detect, dragonfly_read},
        {"v5sendmail", v5sendmail_detect, v5sendmail_read},
        {"apachejames", apachejames_detect, apachejames_read},
        {"fml", fml_detect, fml_read},
        {"googlegroups", googlegroups_detect, googlegroups_read},
        {"gmail", gmail_detect, gmail_read},
        {"postfix-smtpd", postfix_smtpd_detect, postfix_smtpd_read},
        {"postfix", postfix_detect, postfix_read},
        {"powermta", powermta_detect, powermta_read},
        {"rfc3464", rfc3464_detect, rfc3464_read},
        {"zoho", zoho_detect, zoho_read},
        {"rfc3834", rfc3834_detect, rfc3834_read},
        // Plain-text notices of MTAs that send no RFC 3464 report (those that do are read above).
        {"exim", exim_detect, exim_read},
        {"qmail", qmail_detect, qmail_read},
        {"opensmtpd", opensmtpd_detect, opensmtpd_read},
        {"exchange", exchange_detect, exchange_read},
        {"domino", domino_detect, domino_read},
        {"yahoo", yahoo_detect, yahoo_read},
        {"text", text_detect, text_read},
    };
    return table;
}

}  // namespace mxt::mail
