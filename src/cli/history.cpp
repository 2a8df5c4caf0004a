// `mxtriage history`: what the database knows about earlier campaigns (the baseline triage
// compares against), one row per campaign, --json for one object per campaign.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "store/clock.hpp"
#include "store/database.hpp"
#include "store/history.hpp"
#include "util/json_writer.hpp"

namespace mxt::cli {
namespace {

struct HistoryOptions {
    std::string db;
    bool json = false;
};

double ratio(std::int64_t k, std::int64_t n) {
    return n > 0 ? static_cast<double>(k) / static_cast<double>(n) : 0.0;
}

std::string pct(double r) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%%", r * 100);
    return b;
}

int run(const HistoryOptions& o) {
    std::string path = store::resolve_db_path(o.db);
    auto db = store::open_database(path);
    if (!db) return error("database: " + db.error()), kExitError;
    auto h = store::list_history(*db);
    if (!h) return error("database: " + h.error()), kExitError;
    std::string out;
    if (!o.json) {
        if (h->empty()) out += "no campaigns recorded in " + path + " yet (run mxtriage triage)\n";
        else {
            char line[512];
            std::snprintf(line, sizeof line, "%-24s %-20s %6s %9s %9s %9s %10s %10s\n", "CAMPAIGN", "FIRST SEEN",
                          "INPUTS", "ATTEMPTS", "DELIVERED", "BOUNCED", "PERMANENT", "UNKNOWN");
            out += line;
        }
    }
    for (const auto& c : *h) {
        const store::StatCounts& s = c.counts;
        std::string name = c.campaign.empty() ? "(no campaign)" : c.campaign;
        std::string first = s.first_unix ? store::iso_utc(s.first_unix) : "-";
        if (o.json) {
            JsonWriter w(out);
            w.begin_object().field("campaign", name).field("inputs", c.inputs);
            w.field_or_null("first_time", s.first_unix ? store::iso_utc(s.first_unix) : "");
            w.field_or_null("last_time", s.last_unix ? store::iso_utc(s.last_unix) : "");
            w.field("attempts", s.attempts).field("delivered", s.delivered).field("deferred", s.deferred);
            w.field("bounced", s.bounced).field("permanent", s.permanent).field("unknown_user", s.unknown_user);
            w.field("complaints", s.complaints);
            w.field("permanent_rate", ratio(s.permanent, s.recipients()));
            w.field("unknown_user_rate", ratio(s.unknown_user, s.recipients()));
            w.key("providers").begin_object();
            for (const auto& [p, pc] : c.providers) {
                w.key(p).begin_object().field("attempts", pc.attempts).field("bounced", pc.bounced);
                w.field("permanent_rate", ratio(pc.permanent, pc.recipients())).end_object();
            }
            w.end_object().end_object();
            out.push_back('\n');
        } else {
            char line[512];
            std::snprintf(line, sizeof line, "%-24.24s %-20s %6d %9lld %9lld %9lld %10s %10s\n", name.c_str(),
                          first.c_str(), c.inputs, static_cast<long long>(s.attempts),
                          static_cast<long long>(s.delivered), static_cast<long long>(s.bounced),
                          pct(ratio(s.permanent, s.recipients())).c_str(),
                          pct(ratio(s.unknown_user, s.recipients())).c_str());
            out += line;
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
}

void setup(CLI::App& root, int& exit_status) {
    auto o = std::make_shared<HistoryOptions>();
    CLI::App* cmd = root.add_subcommand("history", "List the campaigns recorded by earlier triage runs");
    cmd->footer("PERMANENT and UNKNOWN are per recipient with a final outcome (delivered or bounced).\n"
                "Example:\n  mxtriage history --db campaigns.db --json");
    cmd->add_option("--db", o->db, "Database file (default: $MXTRIAGE_DB or ~/.local/share/mxtriage/mxtriage.db)");
    cmd->add_flag("--json", o->json, "JSON Lines, one object per campaign");
    cmd->callback([o, &exit_status] { exit_status = run(*o); });
}

}  // namespace

MXT_COMMAND("history", setup);

}  // namespace mxt::cli
