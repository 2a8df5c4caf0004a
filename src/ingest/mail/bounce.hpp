// What a bounce reader extracts from one message, and the uniform reader interface: a cheap
// detect step (header fields, a body marker) and a read step, registered in one table (readers.cpp)
// and tried in order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail/mime.hpp"
#include "rules/vocabulary.hpp"

namespace mxt::mail {

struct RecipientResult {
    std::string recipient;
    std::string action;  // RFC 3464 Action (lower case) where known
    std::string status;  // enhanced code as reported beside the reply (Status:, "#5.1.1")
    std::string reply_code;  // basic code as reported beside the reply
    std::string text;  // the reply / diagnostic text
    std::string remote_host;
    std::string time;  // when the attempt failed (Last-Attempt-Date), as written
    std::string arrival;  // when the original arrived at the reporting MTA (Arrival-Date)
    std::string queue_id;  // the reporting MTA's queue id (Postfix's X-Postfix-Queue-ID)
    Stage stage = Stage::unknown;
    Outcome outcome = Outcome::bounced;
    // A reason the reader knows better than the reply text tells it (Sisimai vocabulary): retries
    // given up, a delivery report, a complaint, an auto-reply, a mailer program failure.
    std::string reason_hint;
    bool hint_is_final = false;  // true: the hint overrides the rules (feedback, vacation, ...)
    std::string feedback_type;
};

struct Bounce {
    std::string format;  // the reader's name
    std::vector<RecipientResult> recipients;
};

struct Reader {
    std::string_view name;
    bool (*detect)(const Mail&);  // cheap: header fields and a marker or two
    bool (*read)(const Mail&, Bounce&);  // true when it produced at least one recipient
};

// The registered readers, most specific first (readers.cpp).
const std::vector<Reader>& readers();

}  // namespace mxt::mail
