// Next steps per verdict; see steps.hpp. Written for the person who has to act, not for a log.
#include "triage/steps.hpp"

namespace mxt::triage {
namespace {
std::string postmaster_tool(const std::string& p) {
    if (p == "google") return "Google Postmaster Tools (compliance status, spam rate, IP reputation)";
    if (p == "microsoft") return "Microsoft SNDS and the Outlook sender support portal";
    if (p == "yahoo") return "the Yahoo Sender Hub and its complaint feedback loop";
    return "that provider's postmaster pages";
}
}  // namespace

std::string provider_label(const std::string& p) {
    if (p == "google") return "Gmail";
    if (p == "microsoft") return "Microsoft (Outlook)";
    if (p == "yahoo") return "Yahoo/AOL";
    if (p == "apple") return "Apple iCloud";
    if (p.empty()) return "all providers";
    return p;
}

std::vector<std::string> steps_for(const std::string& kind, const std::string& provider,
                                   const std::vector<std::string>& blocklists) {
    std::string who = provider_label(provider);
    if (kind == "ip_reputation_incident")
        return {"Pause every send to " + who + " until the cause is found; leave other providers running.",
                "Look up the sending IPs and domains on the major blocklists (mxtriage audit dnsbl).",
                "Read " + postmaster_tool(provider) + " for the days before the send.",
                "Find what changed: a new list or segment, a volume jump, a new IP without warm-up.",
                "Do not suppress these recipients: their addresses are fine, the sender is not.",
                "Resume with a small volume to engaged recipients and raise it over days."};
    if (kind == "authentication_failure")
        return {"Send nothing more to " + who + " until SPF, DKIM and DMARC pass and align.",
                "Check SPF for the sending IPs and the 10-lookup limit (mxtriage audit spf).",
                "Sign with DKIM under your own From: domain, not only the sending service's domain.",
                "Publish a DMARC record and confirm alignment on a test message (mxtriage audit message).",
                "Do not suppress these recipients: the rejection is about your domain."};
    if (kind == "blocklisted") {
        std::string lists = blocklists.empty() ? std::string("the list named in the replies")
                                               : blocklists.front();
        for (std::size_t i = 1; i < blocklists.size(); ++i) lists += ", " + blocklists[i];
        return {"Stop sending to " + who + " from the listed IP until it is delisted.",
                "Confirm the listing of the sending IP and domain on " + lists + " (mxtriage audit dnsbl).",
                "Fix what got you listed (compromised account, purchased addresses, spam traps) first.",
                "Then request removal through that list's own delisting page.",
                "Do not suppress these recipients."};
    }
    if (kind == "complaint_rate")
        return {"Pause sends to " + who + "; when you resume, cut the volume to about half.",
                "Suppress every recipient who complained and drop long-inactive ones.",
                "Make unsubscribing one click (List-Unsubscribe and List-Unsubscribe-Post).",
                "Watch the spam rate in " + postmaster_tool(provider) + "."};
    if (kind == "list_quality_incident")
        return {"Hold the affected segment or import; other segments can go on.",
                "Find where these addresses came from (import date, signup form, purchased list).",
                "Verify the segment with an address-verification service before mailing it again.",
                "Suppress the unknown users now (mxtriage triage --apply).",
                "Add real-time validation or double opt-in to the signup form."};
    if (kind == "content_problem")
        return {"Hold this message: resending it unchanged will be filtered again.",
                "Find the element the filters dislike: a link or tracking domain, a shortener, a phrase, "
                "too much image and too little text, an attachment.",
                "Check the domains in the links against domain blocklists (mxtriage audit dnsbl).",
                "Send the changed message to a few seed addresses at each provider before the list."};
    if (kind == "rate_limited")
        return {"Keep sending, slower: reduce connections and messages per connection to " + who + ".",
                "Let deferred mail retry with back-off; do not resend it by hand.",
                "Spread large sends over hours and warm up new IPs gradually."};
    return {"Keep sending.",
            "Suppress the unknown users, disabled mailboxes and bad domains (mxtriage triage --apply).",
            "Read any unclassified templates in the table: they may hide a new pattern."};
}

}  // namespace mxt::triage
