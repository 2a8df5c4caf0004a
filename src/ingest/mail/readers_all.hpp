// Declarations of every bounce reader's detect and read steps (one file each, reader_*.cpp), so
// that readers.cpp can list them in one table.
#pragma once

#include "ingest/mail/bounce.hpp"

namespace mxt::mail {

#define MXT_READER(name)                    \
    bool name##_detect(const Mail& m);      \
    bool name##_read(const Mail& m, Bounce& b);

MXT_READER(arf)
MXT_READER(amazonses)
MXT_READER(apachejames)
MXT_READER(dragonfly)
MXT_READER(fml)
MXT_READER(gmail)
MXT_READER(googlegroups)
MXT_READER(postfix)
MXT_READER(postfix_smtpd)
MXT_READER(powermta)
MXT_READER(zoho)
MXT_READER(v5sendmail)
MXT_READER(rfc3464)
MXT_READER(rfc3834)
MXT_READER(exim)
MXT_READER(qmail)
MXT_READER(opensmtpd)
MXT_READER(exchange)
MXT_READER(domino)
MXT_READER(yahoo)
MXT_READER(text)

#undef MXT_READER

// Shared by readers that wrap a DSN with their own extras: reads the delivery-status part (or
// inline fields), taking missing diagnostics from `human`.
bool read_dsn(const Mail& m, Bounce& b, std::string_view human);
const Part* dsn_part(const Mail& m);

// The plain-text reading shared by most readers: recipient lines in the error section under the
// format's markers, X-Failed-Recipients as the authority where present, and the returned
// message's To: when the text names nobody.
struct TextFormat;
bool read_text_bounce(const Mail& m, const TextFormat& f, Bounce& b);
std::vector<std::string> failed_recipients_header(const Mail& m);

// The start of the human-readable body, where MTAs write the sentence that names them.
inline std::string_view body_head(const Mail& m, std::size_t n) { return std::string_view(m.body).substr(0, n); }

// Whether the message comes from a mailer daemon or postmaster, or says so in its subject.
bool from_daemon(const Mail& m);

}  // namespace mxt::mail
