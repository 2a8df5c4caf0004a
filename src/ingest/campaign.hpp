// Campaign and segment keys from the envelope sender: an RE2 pattern with named groups
// (?P<campaign>...) and (?P<segment>...), by default the VERP form
// "bounces+<campaign>.<segment>@esp.example" (the segment part optional). Readers that carry the
// keys in a field (JSON/CSV events, KumoMTA meta, PowerMTA jobId) fill them themselves; this
// fills only what they left empty.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ingest/event.hpp"

namespace re2 {
class RE2;
}

namespace mxt {

// "<local>+<campaign>[.<segment>][+anything]@domain"; '=' excluded so that recipient VERP
// ("bounces+alice=gmail.com@...") is not mistaken for a campaign.
inline constexpr std::string_view kDefaultCampaignPattern =
    R"(^[^+@]+\+(?P<campaign>[^.@+=]+)(?:\.(?P<segment>[^@+=]+))?(?:\+[^@]*)?@)";

class CampaignExtractor {
public:
    // "" = the default. Errors: RE2's message, or no named group campaign/segment.
    static std::expected<CampaignExtractor, std::string> make(std::string_view pattern);

    // Fills e.campaign / e.segment where empty, from e.sender. Not thread-safe (a small cache);
    // give each thread its own copy.
    void apply(DeliveryEvent& e);

private:
    std::shared_ptr<const re2::RE2> re_;
    int campaign_group_ = 0, segment_group_ = 0;
    struct Keys {
        std::string campaign, segment;
    };
    static constexpr std::size_t kMaxCachedSenders = 4096;
    std::unordered_map<std::string, Keys> keys_;
};

}  // namespace mxt
