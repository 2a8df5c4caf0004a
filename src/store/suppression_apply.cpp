// From delivery events to suppression entries; see suppression_apply.hpp for the rules.
#include "store/suppression_apply.hpp"

#include <string_view>

#include "store/address.hpp"
#include "store/clock.hpp"
#include "store/suppression.hpp"

namespace mxt::store {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A reply about the sender (policy, reputation, authentication, content): the enhanced code's
// subject 7 is "security or policy status" (RFC 3463).
bool sender_side_code(const DeliveryEvent& e) {
    return starts_with(e.status, "5.7.") || starts_with(e.status, "4.7.");
}

bool permanent(const DeliveryEvent& e) {
    if (!e.reply_code.empty()) return e.reply_code[0] == '5';
    if (!e.status.empty()) return e.status[0] == '5';
    return e.diagnosis.permanent;
}

constexpr std::size_t kFlushEvery = 2000;

}  // namespace

SuppressKind suppress_kind(const DeliveryEvent& e) {
    if (sender_side_code(e)) return SuppressKind::never;
    if (e.stage == Stage::connect || e.stage == Stage::helo || e.stage == Stage::mail)
        return SuppressKind::never;
    Category c = e.diagnosis.category;
    if (suppress_at_once(c))
        return (e.outcome == Outcome::bounced && permanent(e)) ? SuppressKind::at_once
                                                                : SuppressKind::never;
    if (c == Category::mailbox_full &&
        (e.outcome == Outcome::bounced || e.outcome == Outcome::deferred ||
         e.outcome == Outcome::expired))
        return SuppressKind::after_repeats;
    return SuppressKind::never;
}

std::expected<void, Error> SuppressionApplier::observe(const DeliveryEvent& e) {
    SuppressKind k = suppress_kind(e);
    if (k == SuppressKind::never) {
        bool rejected = e.outcome == Outcome::bounced || e.outcome == Outcome::deferred ||
                        e.outcome == Outcome::expired;
        if (rejected && e.diagnosis.category != Category::delivered) ++counts_.refused;
        return {};
    }
    // Failures without a time cannot be placed on the "over days" scale: not counted.
    if (k == SuppressKind::after_repeats && e.unix_time == 0) return {};
    pending_.push_back({e.recipient, std::string(to_string(e.diagnosis.category)), e.text,
                        e.source, e.unix_time, k == SuppressKind::at_once});
    if (pending_.size() >= kFlushEvery) return flush();
    return {};
}

std::expected<void, Error> SuppressionApplier::flush() {
    if (pending_.empty()) return {};
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    SuppressionList list(db_);
    auto log = db_.prepare(
        "INSERT OR IGNORE INTO mailbox_full_failure (address_key, at_unix, address, reply, source) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!log) return std::unexpected(log.error());
    auto tally = db_.prepare(
        "SELECT COUNT(*), MIN(at_unix), MAX(at_unix) FROM mailbox_full_failure "
        "WHERE address_key = ?1");
    if (!tally) return std::unexpected(tally.error());

    for (const Pending& p : pending_) {
        auto n = normalise_address(p.recipient);
        if (!n) continue;  // events without a usable recipient cannot be suppressed
        std::string when = p.unix_time ? iso_utc(p.unix_time) : "";
        if (p.at_once) {
            auto r = list.upsert({n->display, p.reason, p.reply, when, when, p.source});
            if (!r) return std::unexpected(r.error());
            (*r == Upsert::added ? counts_.added : counts_.updated)++;
            continue;
        }
        log->bind(1, n->key).bind(2, p.unix_time).bind(3, n->display).bind(4, p.reply).bind(5, p.source);
        if (auto r = log->run(); !r) return std::unexpected(r.error());
        ++counts_.mailbox_full_counted;
        tally->bind(1, n->key);
        auto row = tally->step();
        if (!row) return std::unexpected(row.error());
        std::int64_t failures = tally->integer(0), first = tally->integer(1), last = tally->integer(2);
        tally->reset();
        if (failures >= policy_.mailbox_full_failures &&
            last - first >= static_cast<std::int64_t>(policy_.mailbox_full_days) * 86400) {
            auto r = list.upsert({n->display, p.reason, p.reply, iso_utc(first), iso_utc(last), p.source});
            if (!r) return std::unexpected(r.error());
            (*r == Upsert::added ? counts_.added : counts_.updated)++;
        }
    }
    if (auto r = tx->commit(); !r) return std::unexpected(r.error());
    pending_.clear();
    return {};
}

std::expected<ApplyCounts, Error> SuppressionApplier::finish() {
    if (auto r = flush(); !r) return std::unexpected(r.error());
    return counts_;
}

}  // namespace mxt::store
