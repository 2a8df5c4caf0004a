// `mxtriage suppress add|remove|list|check|export|import`: the suppression list kept in the
// database (src/store/suppression.hpp). `check` exits 1 when an address is suppressed, so that a
// script can ask before sending.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "store/database.hpp"
#include "store/suppression.hpp"
#include "store/suppression_csv.hpp"
#include "util/json_writer.hpp"

namespace mxt::cli {
namespace {

struct SuppressOptions {
    std::string db;
    std::vector<std::string> addresses;
    std::string reason = "manual", reply, source = "manual", file;
    bool json = false;
};

std::optional<store::Db> open(const SuppressOptions& o) {
    auto db = store::open_database(store::resolve_db_path(o.db));
    if (!db) {
        error("database: " + db.error());
        return std::nullopt;
    }
    return std::move(*db);
}

void entry_json(std::string& out, const store::SuppressionEntry& e) {
    JsonWriter w(out);
    w.begin_object().field("address", e.address).field("reason", e.reason).field("reply", e.reply);
    w.field("first_seen", e.first_seen).field("last_seen", e.last_seen).field("source", e.source);
    w.end_object();
    out.push_back('\n');
}

int add(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    auto tx = store::Transaction::begin(*db);
    if (!tx) return error(tx.error()), kExitError;
    store::SuppressionList list(*db);
    int added = 0, updated = 0;
    for (const auto& a : o.addresses) {
        auto r = list.upsert({a, o.reason, o.reply, "", "", o.source});
        if (!r) return error(r.error()), kExitError;  // rolls back: all or nothing
        (*r == store::Upsert::added ? added : updated)++;
    }
    if (auto r = tx->commit(); !r) return error(r.error()), kExitError;
    std::printf("%d added, %d already listed\n", added, updated);
    return kExitOk;
}

int remove(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    store::SuppressionList list(*db);
    int removed = 0;
    for (const auto& a : o.addresses) {
        auto r = list.remove(a);
        if (!r) return error(r.error()), kExitError;
        removed += *r ? 1 : 0;
    }
    std::printf("%d removed, %d not listed\n", removed, static_cast<int>(o.addresses.size()) - removed);
    return kExitOk;
}

int check(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    store::SuppressionList list(*db);
    bool any = false;
    std::string out;
    for (const auto& a : o.addresses) {
        auto r = list.check(a);
        if (!r) return error(r.error()), kExitError;
        if (o.json) {
            if (*r) entry_json(out, **r);
            else {
                JsonWriter w(out);
                w.begin_object().field("address", a).field("suppressed", false).end_object();
                out.push_back('\n');
            }
        } else if (*r) {
            out += (*r)->address + ": suppressed (" + (*r)->reason + ", last seen " + (*r)->last_seen +
                   ", from " + (*r)->source + ")\n";
        } else {
            out += a + ": not suppressed\n";
        }
        any = any || r->has_value();
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return any ? kExitFindings : kExitOk;
}

int list(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    store::SuppressionList l(*db);
    std::string out;
    auto r = l.for_each(o.reason,
                        [&](const store::SuppressionEntry& e) {
                            if (o.json) entry_json(out, e);
                            else out += e.address + "\t" + e.reason + "\t" + e.last_seen + "\t" + e.source + "\n";
                            if (out.size() > 65536) {
                                std::fwrite(out.data(), 1, out.size(), stdout);
                                out.clear();
                            }
                        });
    if (!r) return error(r.error()), kExitError;
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
}

int export_list(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    store::SuppressionList l(*db);
    if (o.file.empty() || o.file == "-") {
        auto r = store::export_csv(l, std::cout);
        std::cout.flush();
        return r ? kExitOk : (error(r.error()), kExitError);
    }
    std::ofstream f(o.file, std::ios::binary | std::ios::trunc);
    auto r = store::export_csv(l, f);
    if (!r) return error(r.error()), kExitError;
    if (!f.flush()) return error(o.file + ": write failed"), kExitError;
    std::fprintf(stderr, "%lld addresses written to %s\n", static_cast<long long>(*r), o.file.c_str());
    return kExitOk;
}

int import_list(const SuppressOptions& o) {
    auto db = open(o);
    if (!db) return kExitError;
    std::ifstream f;
    std::istream* in = &std::cin;
    if (o.file != "-") {
        f.open(o.file, std::ios::binary);
        if (!f) return error(o.file + ": cannot open"), kExitError;
        in = &f;
    }
    auto r = store::import_csv(*db, *in, o.file == "-" ? "stdin" : o.file);
    if (!r) return error(r.error()), kExitError;
    std::printf("%lld added, %lld updated\n", static_cast<long long>(r->added),
                static_cast<long long>(r->updated));
    return kExitOk;
}

void setup(CLI::App& root, int& exit_status) {
    auto o = std::make_shared<SuppressOptions>();
    CLI::App* cmd = root.add_subcommand("suppress", "Manage the suppression list (addresses not to mail again)");
    cmd->require_subcommand(1);
    cmd->add_option("--db", o->db, "Database file (default: $MXTRIAGE_DB or ~/.local/share/mxtriage/mxtriage.db)");
    cmd->footer(
        "Addresses are stored with the domain lower-cased and the local part as given, and\n"
        "compared case-insensitively. `triage --apply` adds unknown users, disabled mailboxes\n"
        "and bad domains at once, full mailboxes after repeated failures, never 5.7.x rejections.\n\n"
        "Examples:\n"
        "  mxtriage suppress add --reason manual someone@example.com\n"
        "  mxtriage suppress check alice@example.com || echo 'do not send'\n"
        "  mxtriage suppress export list.csv && mxtriage suppress --db other.db import list.csv");

    auto run = [o, &exit_status](int (*fn)(const SuppressOptions&)) {
        return [o, &exit_status, fn] { exit_status = fn(*o); };
    };
    CLI::App* a = cmd->add_subcommand("add", "Add addresses (all or nothing)");
    a->add_option("addresses", o->addresses, "Addresses")->required();
    a->add_option("--reason", o->reason, "Why (default: manual)");
    a->add_option("--reply", o->reply, "The reply that proved it");
    a->add_option("--source", o->source, "Where it came from (default: manual)");
    a->callback(run(add));
    CLI::App* r = cmd->add_subcommand("remove", "Remove addresses");
    r->add_option("addresses", o->addresses, "Addresses")->required();
    r->callback(run(remove));
    CLI::App* c = cmd->add_subcommand("check", "Tell whether addresses are suppressed (exit 1 if any is)");
    c->add_option("addresses", o->addresses, "Addresses")->required();
    c->add_flag("--json", o->json, "JSON Lines");
    c->callback(run(check));
    CLI::App* l = cmd->add_subcommand("list", "List the suppressed addresses");
    l->add_option("--reason", o->reason, "Only this reason");
    l->add_flag("--json", o->json, "JSON Lines");
    l->callback(run(list));
    CLI::App* e = cmd->add_subcommand("export", "Write the list as CSV (address,reason,reply,first_seen,last_seen,source)");
    e->add_option("file", o->file, "Output file (default: stdout)");
    e->callback(run(export_list));
    CLI::App* i = cmd->add_subcommand("import", "Merge a CSV file into the list (all or nothing)");
    i->add_option("file", o->file, "CSV file, - for stdin")->required();
    i->callback(run(import_list));
    for (CLI::App* sub : {a, r, c, l, e, i}) sub->fallthrough();
    // `list` filters only when --reason is given explicitly.
    l->preparse_callback([o](std::size_t) { o->reason.clear(); });
}

}  // namespace

MXT_COMMAND("suppress", setup);

}  // namespace mxt::cli
