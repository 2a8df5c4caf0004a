// Google Groups refusals: a post to a group that does not exist or does not accept the sender.
// Written in the sender's language; the group's address is in X-Failed-Recipients. The refusal is
// about the sender's right to post (Sisimai "rejected"), whatever the wording.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool googlegroups_detect(const Mail& m) {
    // A plain "address not found" for a group address is an unknown recipient, read elsewhere.
    if (m.body.find("Address not found") != std::string::npos) return false;
    for (auto v : m.headers.all("X-Failed-Recipients"))
        if (icontains(v, "@googlegroups.com")) return true;
    return false;
}

bool googlegroups_read(const Mail& m, Bounce& b) {
    for (auto& a : failed_recipients_header(m)) {
        RecipientResult r;
        r.recipient = a;
        r.text = squeeze(std::string_view(m.body).substr(0, std::min<std::size_t>(m.body.size(), 600)));
        r.reason_hint = "rejected";
        r.hint_is_final = true;
        b.recipients.push_back(std::move(r));
    }
    return !b.recipients.empty();
}

}  // namespace mxt::mail
