// `mxtriage classify`: classifies SMTP replies given as arguments, one per line on stdin, or as
// JSON Lines objects {"reply", "recipient", "remote_host"} (--jsonl), and prints a readable block
// or one JSON object per reply, in input order.
#include <simdjson.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/rules_options.hpp"
#include "reply/reply.hpp"
#include "rules/classifier.hpp"
#include "rules/diagnosis_json.hpp"
#include "util/json_writer.hpp"

namespace mxt::cli {
namespace {

struct ClassifyOptions {
    std::vector<std::string> replies;
    std::vector<std::string> rules;
    std::string recipient;
    std::string remote_host;
    bool json = false;
    bool jsonl = false;
};

const char* kColourReset = "\x1b[0m";

const char* colour_for(Category c) {
    switch (c) {
        case Category::unknown_user:
        case Category::mailbox_disabled:
        case Category::bad_domain: return "\x1b[33m";  // yellow: list hygiene
        case Category::ip_reputation:
        case Category::complaint_rate:
        case Category::blocklisted:
        case Category::authentication: return "\x1b[1;31m";  // red: the sender's problem
        case Category::content:
        case Category::rate_limited: return "\x1b[35m";
        case Category::transient:
        case Category::mailbox_full: return "\x1b[36m";
        default: return "\x1b[37m";
    }
}

void print_block(std::string_view input, const Reply& reply, const Diagnosis& d, bool colour) {
    auto c = [&](const char* code) { return colour ? code : ""; };
    std::string out;
    out += c("\x1b[1m");
    out += input.substr(0, 200);
    if (input.size() > 200) out += "...";
    out += c(kColourReset);
    out += "\n  category:  ";
    out += c(colour_for(d.category));
    out += to_string(d.category);
    out += c(kColourReset);
    out += " (reason " + d.reason + ")";
    out += "\n  action:    " + std::string(to_string(d.action));
    out += d.permanent ? "  [permanent" : "  [temporary";
    out += d.hard_bounce ? ", hard bounce]" : ", soft bounce]";
    out += "\n  provider:  " + d.provider;
    if (!d.provider_detail.empty()) out += " (" + d.provider_detail + ")";
    out += "\n  code:      " + (reply.basic_code ? reply.reply_code() : std::string("-"));
    out += " " + (reply.status.present() ? reply.status.str() : std::string("-"));
    if (reply.stage != Stage::unknown) out += "  at " + std::string(to_string(reply.stage));
    if (!reply.tags.empty()) {
        out += "  tags:";
        for (const auto& t : reply.tags) out += " " + t;
    }
    if (d.blocklist.present()) {
        out += "\n  blocklist: " + d.blocklist.name;
        if (d.blocklist.zone != d.blocklist.name) out += " (" + d.blocklist.zone + ")";
        if (!d.blocklist.delist_url.empty()) out += "  delist: " + d.blocklist.delist_url;
    }
    if (!d.listed_ip.empty()) out += "\n  listed IP: " + d.listed_ip;
    if (!d.block_id.empty()) out += "\n  block id:  " + d.block_id;
    out += "\n  rule:      " + (d.rule.empty() ? std::string("(none)") : d.rule);
    out += "\n  why:       " + d.explanation;
    out += "\n  fix:       " + d.fix;
    if (!d.url.empty()) out += "\n  see:       " + d.url;
    out += "\n\n";
    std::cout << out;
}

void print_json(std::string_view input, const Reply& reply, const Diagnosis& d,
                std::string_view recipient, std::string_view remote_host) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("reply", input);
    w.field_or_null("recipient", recipient);
    w.field_or_null("remote_host", remote_host);
    w.field_or_null("reply_code", reply.reply_code());
    w.field_or_null("status", reply.status.str());
    w.field_or_null("untrusted_status", reply.untrusted_status.str());
    w.field("text", reply.text);
    w.field_or_null("stage", to_string(reply.stage));
    w.key("tags").begin_array();
    for (const auto& t : reply.tags) w.value(t);
    w.end_array();
    write_diagnosis_fields(w, d);
    w.end_object();
    out.push_back('\n');
    std::cout << out;
}

int run(const ClassifyOptions& opt) {
    auto classifier = load_classifier(opt.rules);
    if (!classifier) return kExitError;
    ClassifierSession session(classifier);
    bool colour = colour_stdout();
    bool as_json = opt.json || opt.jsonl;
    int status = kExitOk;

    auto handle = [&](std::string_view raw, std::string_view recipient, std::string_view host) {
        Reply reply = parse_reply(raw);
        ReplyContext ctx;
        ctx.recipient = recipient;
        ctx.remote_host = host;
        Diagnosis d = session.classify(reply, ctx);
        if (as_json)
            print_json(raw, reply, d, recipient, host);
        else
            print_block(raw, reply, d, colour);
    };

    if (!opt.replies.empty()) {
        if (opt.jsonl) {
            error("--jsonl reads standard input; give replies as arguments without it");
            return kExitError;
        }
        for (const auto& r : opt.replies) handle(r, opt.recipient, opt.remote_host);
        return status;
    }
    std::string line;
    std::uint64_t lineno = 0;
    simdjson::ondemand::parser parser;
    while (std::getline(std::cin, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (!opt.jsonl) {
            handle(line, opt.recipient, opt.remote_host);
            continue;
        }
        // One object per line; an unusable line still yields one output object, in order.
        std::string why;
        std::string reply, recipient, host;
        simdjson::padded_string padded(line);
        auto doc = parser.iterate(padded);
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) != simdjson::SUCCESS) {
            why = "not a JSON object";
        } else {
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
                    why = "bad JSON key";
                    break;
                }
                std::string_view value;
                auto v = field.value();
                if (v.type().value_unsafe() == simdjson::ondemand::json_type::null) continue;
                if (v.get_string().get(value) != simdjson::SUCCESS) {
                    if (key == "reply" || key == "recipient" || key == "remote_host") {
                        why = "'" + std::string(key) + "' must be a string";
                        break;
                    }
                    continue;
                }
                if (key == "reply") reply = value;
                else if (key == "recipient") recipient = value;
                else if (key == "remote_host") host = value;
            }
            if (why.empty() && reply.empty()) why = "missing \"reply\"";
        }
        if (!why.empty()) {
            error("-:" + std::to_string(lineno) + ": " + why);
            std::string out;
            JsonWriter w(out);
            w.begin_object().field("line", lineno).field("error", why).end_object();
            std::cout << out << '\n';
            status = kExitError;
            continue;
        }
        handle(reply, recipient, host);
    }
    return status;
}

void setup(CLI::App& root, int& exit_status) {
    auto opt = std::make_shared<ClassifyOptions>();
    auto* cmd = root.add_subcommand("classify", "Classify SMTP replies: category, reason, action, provider, fix");
    cmd->footer(R"(Examples:
  mxtriage classify '550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown'
  mxtriage classify --recipient alice@gmail.com '550-5.7.26 This message does not have authentication information ... - gsmtp'
  grep -h 'status=bounced' /var/log/mail.log | sed 's/.*status=bounced (//' | mxtriage classify --json
  echo '{"reply": "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred", "recipient": "bob@yahoo.com"}' | mxtriage classify --jsonl

Reads replies from the arguments, or one per line from standard input. Exit status: 0 when every
reply was read, 2 on a usage error or an input line that could not be read.)");
    cmd->add_option("reply", opt->replies, "SMTP replies to classify (default: read standard input)");
    cmd->add_option("--recipient", opt->recipient, "Recipient address, for provider identification");
    cmd->add_option("--remote-host", opt->remote_host, "Remote MTA host name, for provider identification");
    cmd->add_option("--rules", opt->rules, "Extra rule file, tried before the shipped rules (repeatable)");
    cmd->add_flag("--json", opt->json, "Print one JSON object per reply (JSON Lines)");
    cmd->add_flag("--jsonl", opt->jsonl,
                  "Read JSON Lines objects {\"reply\", \"recipient\", \"remote_host\"} from standard input; print JSON Lines");
    cmd->callback([opt, &exit_status] { exit_status = run(*opt); });
}

MXT_COMMAND("classify", setup);

}  // namespace
}  // namespace mxt::cli
