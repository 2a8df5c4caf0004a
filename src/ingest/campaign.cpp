// CampaignExtractor (campaign.hpp) on RE2: linear-time matching, safe on untrusted senders.
#include "ingest/campaign.hpp"

#include <re2/re2.h>

namespace mxt {

std::expected<CampaignExtractor, std::string> CampaignExtractor::make(std::string_view pattern) {
    if (pattern.empty()) pattern = kDefaultCampaignPattern;
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
    if (!re->ok()) return std::unexpected("bad campaign pattern: " + re->error());
    CampaignExtractor x;
    const auto& groups = re->NamedCapturingGroups();
    if (auto it = groups.find("campaign"); it != groups.end()) x.campaign_group_ = it->second;
    if (auto it = groups.find("segment"); it != groups.end()) x.segment_group_ = it->second;
    if (x.campaign_group_ == 0 && x.segment_group_ == 0)
        return std::unexpected(
            std::string("bad campaign pattern: it needs a named group (?P<campaign>...) or "
                        "(?P<segment>...)"));
    x.re_ = std::move(re);
    return x;
}

void CampaignExtractor::apply(DeliveryEvent& e) {
    if (!re_ || e.sender.empty() || (!e.campaign.empty() && !e.segment.empty())) return;
    // One message's events share a sender, and a campaign's few senders (one per segment with
    // VERP) repeat throughout: remember the answer per sender, in a bounded map.
    auto it = keys_.find(e.sender);
    if (it == keys_.end()) {
        if (keys_.size() >= kMaxCachedSenders) keys_.clear();
        Keys k;
        int n = std::max(campaign_group_, segment_group_) + 1;
        std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n));
        if (re_->Match(e.sender, 0, e.sender.size(), RE2::UNANCHORED, groups.data(), n)) {
            if (campaign_group_ != 0)
                k.campaign.assign(groups[campaign_group_].data(), groups[campaign_group_].size());
            if (segment_group_ != 0)
                k.segment.assign(groups[segment_group_].data(), groups[segment_group_].size());
        }
        it = keys_.emplace(e.sender, std::move(k)).first;
    }
    if (e.campaign.empty()) e.campaign = it->second.campaign;
    if (e.segment.empty()) e.segment = it->second.segment;
}

}  // namespace mxt
