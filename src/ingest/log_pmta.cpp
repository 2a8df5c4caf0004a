// PowerMTA accounting CSV (<acct-file>): the header line names the columns (its set is
// configurable, so nothing is assumed about positions); `type` is d (delivered), b (bounced),
// t (transient failure), rb (remote bounce, from a DSN), f (feedback loop complaint). dsnDiag holds
// the remote reply ("smtp;550 5.1.1 ..."), dsnStatus the code with PowerMTA's gloss, dsnMta
// "host (ip)"; jobId is the campaign (PowerMTA's own grouping of a mailing).
#include "ingest/csv.hpp"
#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"

namespace mxt {
namespace {

// PowerMTA's bounceCat to a Sisimai reason, used only when no rule recognises the reply.
std::string_view reason_of_bounce_cat(std::string_view c) {
    if (c == "bad-mailbox") return "userunknown";
    if (c == "bad-domain") return "hostunknown";
    if (c == "inactive-mailbox") return "suspend";
    if (c == "quota-issues") return "mailboxfull";
    if (c == "message-expired") return "expired";
    if (c == "spam-related") return "spamdetected";
    if (c == "policy-related") return "policyviolation";
    if (c == "content-related") return "contenterror";
    if (c == "no-answer-from-host" || c == "routing-errors") return "networkerror";
    if (c == "message-too-large") return "mesgtoobig";
    if (c == "relaying-issues") return "norelaying";
    if (c == "protocol-errors") return "systemerror";
    return {};
}

class PmtaParser final : public LogParser {
public:
    explicit PmtaParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        if (!record_start_) record_start_ = number;
        auto st = record_.feed(text, f_);
        if (st == CsvRecord::State::pending) return {UnitResult::parsed, {}, true};
        std::uint64_t first = record_start_;
        record_start_ = 0;
        if (st == CsvRecord::State::too_long) return failed("unterminated quoted CSV field");
        if (!f_.empty() && (f_[0] == "type" || f_[0] == "#type")) {
            header_.assign(f_);
            type_ = header_.index({"type", "#type"});
            time_ = header_.index({"timelogged"});
            orig_ = header_.index({"orig"});
            rcpt_ = header_.index({"rcpt"});
            status_ = header_.index({"dsnstatus"});
            diag_ = header_.index({"dsndiag"});
            mta_ = header_.index({"dsnmta"});
            dest_ip_ = header_.index({"dlvdestinationip"});
            job_ = header_.index({"jobid"});
            cat_ = header_.index({"bouncecat"});
            msgid_ = header_.index({"header_message-id", "header_message-id:"});
            campaign_hdr_ = header_.index({"header_x-campaign"});
            return skipped("CSV header line");
        }
        if (header_.empty()) return failed("PowerMTA record before the header line");
        std::string_view type = CsvHeader::field(f_, type_);
        Outcome outcome;
        if (type == "d") outcome = Outcome::delivered;
        else if (type == "b" || type == "rb") outcome = Outcome::bounced;
        else if (type == "t") outcome = Outcome::deferred;
        else if (type == "f") outcome = Outcome::complaint;
        else return skipped("not a delivery record");
        DeliveryEvent e;
        e.source = config_.source;
        e.position = first;
        e.format = "pmta";
        e.outcome = outcome;
        set_time(e, CsvHeader::field(f_, time_), config_.default_year);
        e.sender.assign(CsvHeader::field(f_, orig_));
        e.recipient.assign(CsvHeader::field(f_, rcpt_));
        if (e.recipient.empty()) return failed("PowerMTA record without rcpt");
        std::string_view status = CsvHeader::field(f_, status_);
        e.status.assign(status.substr(0, status.find(' ')));
        std::string_view diag = CsvHeader::field(f_, diag_);
        if (auto semi = diag.find(';'); semi != std::string_view::npos && semi < 8)
            diag.remove_prefix(semi + 1);  // "smtp;" (RFC 3464 diagnostic-type)
        e.text.assign(trim(diag));
        e.reply_code.assign(leading_reply_code(e.text));
        split_host_ip(CsvHeader::field(f_, mta_), e.remote_host, e.remote_ip);
        if (e.remote_ip.empty()) e.remote_ip.assign(CsvHeader::field(f_, dest_ip_));
        e.campaign.assign(CsvHeader::field(f_, campaign_hdr_));
        if (e.campaign.empty()) e.campaign.assign(CsvHeader::field(f_, job_));
        e.message_id.assign(strip_angle(CsvHeader::field(f_, msgid_)));
        if (outcome == Outcome::complaint) {
            e.reason_hint = "feedback";
            e.reason_hint_final = true;
        } else if (outcome == Outcome::bounced) {
            e.reason_hint.assign(reason_of_bounce_cat(CsvHeader::field(f_, cat_)));
        }
        sink.event(std::move(e));
        return parsed();
    }

    LineResult finish(EventSink&) override {
        if (record_start_ == 0) return {UnitResult::parsed, {}, true};
        return failed("unterminated quoted CSV field at end of input");
    }

private:
    ReaderConfig config_;
    CsvRecord record_;
    CsvHeader header_;
    std::vector<std::string> f_;
    std::uint64_t record_start_ = 0;
    int type_ = -1, time_ = -1, orig_ = -1, rcpt_ = -1, status_ = -1, diag_ = -1, mta_ = -1,
        dest_ip_ = -1, job_ = -1, cat_ = -1, msgid_ = -1, campaign_hdr_ = -1;
};

}  // namespace

bool detect_pmta(std::string_view head) {
    // The accounting file's header: "type,timeLogged,..." with an "rcpt" column.
    std::string_view first = head.substr(0, head.find('\n'));
    return (first.starts_with("type,") || first.starts_with("#type,")) &&
           first.find("rcpt") != std::string_view::npos;
}

std::unique_ptr<LogParser> make_pmta(const ReaderConfig& config) {
    return std::make_unique<PmtaParser>(config);
}

}  // namespace mxt
