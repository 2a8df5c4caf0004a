// fml mailing-list manager notices: "You ... are not member" (a post refused because the sender
// is not subscribed) and "Loop Alert" (a duplicated Message-ID). Not delivery failures of a
// recipient but refusals by the list: the list address is the recipient.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool fml_detect(const Mail& m) {
    auto s = m.subject();
    return (icontains(s, "are not member") || istarts_with(s, "Loop Alert:")) && icontains(m.from(), "-admin@");
}

bool fml_read(const Mail& m, Bounce& b) {
    RecipientResult r;
    auto s = m.subject();
    // The list's address: "<list@domain>" in the body, else the admin address without "-admin".
    r.recipient = find_address(m.body.substr(0, std::min<std::size_t>(m.body.size(), 2048)));
    if (r.recipient.empty()) {
        std::string from = find_address(m.from());
        auto at = from.find("-admin@");
        if (at != std::string::npos) from.erase(at, 6);
        r.recipient = from;
    }
    if (r.recipient.empty()) return false;
    r.text = squeeze(std::string_view(m.body).substr(0, std::min<std::size_t>(m.body.size(), 300)));
    if (icontains(s, "are not member")) {
        r.reason_hint = "rejected";
        r.hint_is_final = true;
    } else {
        r.reason_hint = "systemerror";
        r.hint_is_final = true;
    }
    b.recipients.push_back(std::move(r));
    return true;
}

}  // namespace mxt::mail
