// DragonFly Mail Agent (dma) bounces: "There was an error delivering your mail to <rcpt>." then
// the remote server's reply, then "Message headers follow.".
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool dragonfly_detect(const Mail& m) {
    return icontains(m.headers.get("Received"), "DragonFly Mail Agent") ||
           icontains(std::string_view(m.body).substr(0, 200), "DragonFly Mail Agent");
}

bool dragonfly_read(const Mail& m, Bounce& b) {
    static const TextFormat f{{"This is the DragonFly Mail Agent"}, {"Message headers follow"}, true};
    auto section = error_section(m.body, f);
    auto lines = split_lines(section);
    RecipientResult r;
    std::string text;
    for (auto line : lines) {
        auto t = trim(line);
        if (r.recipient.empty()) {
            if (icontains(t, "error delivering your mail to")) {
                r.recipient = find_address(t.substr(ifind(t, "mail to")));
            }
            continue;
        }
        if (t.empty()) continue;
        if (!text.empty()) text.push_back(' ');
        text.append(t);
    }
    if (r.recipient.empty()) return false;
    r.text = text;
    codes_from_text(r);
    b.recipients.push_back(std::move(r));
    return true;
}

}  // namespace mxt::mail
