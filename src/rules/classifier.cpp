// Compiles the rule table into one vectorscan database and classifies replies with it: provider
// identification (reply text, remote host, recipient domain), then the first rule in precedence
// order whose conditions all hold (docs/rule-format.md). Results are cached per session by the
// reply's template plus everything else a rule can look at, so repeated replies cost one hash
// lookup. Rule patterns must not depend on what the template masks (exact IPs, ids, numbers in
// running text); captures (blocklist zone, listed IP, Microsoft AS id) run per reply after the
// cache.
#include "rules/classifier.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "reply/template.hpp"
#include "rules/hs_cache.hpp"
#include "rules/rule_table.hpp"

namespace mxt {

namespace fs = std::filesystem;
using rules::Rule;

std::string RuleLoadError::str() const {
    if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
    if (!file.empty()) return file + ": " + message;
    return message;
}

Classifier::Impl::~Impl() {
    if (db) hs_free_database(db);
}

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Classifier::~Classifier() = default;
std::size_t Classifier::rule_count() const { return impl_->set.rules.size(); }

namespace {

std::string exe_dir() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.parent_path().string();
}

bool is_rule_file_name(const std::string& name) {
    if (name == "providers.toml" || name == "dnsbl.toml") return true;
    return name.size() > 8 && std::isdigit(static_cast<unsigned char>(name[0])) &&
           std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-' &&
           name.ends_with(".toml");
}

// Compiles every text pattern into one database. On failure, compiles patterns one by one to
// report each bad pattern with its place.
bool compile(Classifier::Impl& impl, std::vector<RuleLoadError>& errors) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    std::vector<const rules::TextPattern*> where;
    auto add = [&](const rules::TextPattern& p, bool is_provider, std::uint32_t index) {
        ids.push_back(static_cast<unsigned>(impl.owners.size()));
        impl.owners.push_back({is_provider, index});
        exprs.push_back(p.regex.c_str());
        flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL);
        where.push_back(&p);
    };
    for (std::uint32_t i = 0; i < impl.set.rules.size(); ++i)
        for (const auto& p : impl.set.rules[i].texts) add(p, false, i);
    for (std::uint32_t i = 0; i < impl.set.providers.size(); ++i)
        for (const auto& p : impl.set.providers[i].texts) add(p, true, i);
    if (exprs.empty()) return true;
    hs_compile_error_t* err = nullptr;
    // Through the on-disk cache of compiled databases (hs_cache.hpp): compiling costs more than
    // reading 50 MB of log, and the same rules compile to the same database every run.
    if (rules::compile_multi_cached(exprs, flags, ids, &impl.db, &err) == HS_SUCCESS) return true;
    hs_free_compile_error(err);
    for (std::size_t i = 0; i < exprs.size(); ++i) {
        hs_database_t* one = nullptr;
        hs_compile_error_t* e1 = nullptr;
        if (hs_compile(exprs[i], flags[i], HS_MODE_BLOCK, nullptr, &one, &e1) != HS_SUCCESS) {
            errors.push_back({where[i]->place.file, where[i]->place.line,
                              "pattern '" + where[i]->regex + "' does not compile: " + e1->message});
            hs_free_compile_error(e1);
        } else {
            hs_free_database(one);
        }
    }
    if (errors.empty())
        errors.push_back({"", 0, "the rule patterns do not compile together (too many or too complex)"});
    return false;
}

// What std::tolower does in the "C" locale mxtriage runs in, without the call per byte.
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string domain_of(std::string_view address) {
    std::size_t at = address.rfind('@');
    std::string_view d = at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
    while (!d.empty() && (d.back() == '>' || d.back() == '.' || d.back() == ' ')) d.remove_suffix(1);
    std::string out(d);
    for (auto& c : out) c = ascii_lower(c);
    return out;
}

std::string lower_host(std::string_view host) {
    std::string out(host);
    // "mx.example.com[192.0.2.1]:25" -> "mx.example.com"
    if (auto b = out.find('['); b != std::string::npos) out.resize(b);
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    for (auto& c : out) c = ascii_lower(c);
    return out;
}

bool host_matches(const std::string& host, const std::string& suffix) {
    if (host.size() < suffix.size()) return false;
    if (host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    return host.size() == suffix.size() || host[host.size() - suffix.size() - 1] == '.';
}

void index_providers(Classifier::Impl& impl) {
    const auto& providers = impl.set.providers;
    for (std::size_t i = 0; i < providers.size(); ++i) {
        for (const auto& h : providers[i].hosts) impl.provider_by_host_suffix.emplace(h, static_cast<int>(i));
        for (const auto& d : providers[i].domains) {
            if (d.ends_with(".*"))
                impl.provider_by_domain_stem.emplace_back(d.substr(0, d.size() - 1), static_cast<int>(i));
            else
                impl.provider_by_exact_domain.emplace(d, static_cast<int>(i));
        }
    }
}

// The first provider entry listing any dot-boundary suffix of the host.
int provider_by_host(const Classifier::Impl& impl, std::string_view host) {
    if (host.empty() || impl.provider_by_host_suffix.empty()) return -1;
    int best = -1;
    std::size_t pos = 0;
    while (true) {
        auto it = impl.provider_by_host_suffix.find(host.substr(pos));
        if (it != impl.provider_by_host_suffix.end() && (best < 0 || it->second < best)) best = it->second;
        std::size_t dot = host.find('.', pos);
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return best;
}

int provider_by_domain(const Classifier::Impl& impl, const std::string& domain) {
    if (domain.empty()) return -1;
    int best = -1;
    if (auto it = impl.provider_by_exact_domain.find(domain); it != impl.provider_by_exact_domain.end())
        best = it->second;
    for (const auto& [stem, index] : impl.provider_by_domain_stem)
        if ((best < 0 || index < best) && domain.size() > stem.size() && domain.starts_with(stem))
            best = index;
    return best;
}

}  // namespace

std::string Classifier::default_rules_dir() {
    if (const char* env = std::getenv("MXTRIAGE_RULES"); env && *env) return env;
    std::string dir = exe_dir();
    if (!dir.empty()) {
        for (const char* rel : {"/../share/mxtriage/rules", "/rules", "/../rules"}) {
            std::error_code ec;
            fs::path p = fs::path(dir + rel);
            if (fs::exists(p / "providers.toml", ec)) return fs::weakly_canonical(p, ec).string();
        }
    }
    return MXT_SOURCE_RULES_DIR;
}

std::expected<std::shared_ptr<const Classifier>, std::vector<RuleLoadError>> Classifier::load(
    const std::vector<std::string>& user_files, const std::string& rules_dir) {
    auto impl = std::make_unique<Impl>();
    std::vector<RuleLoadError> errors;
    std::size_t order = 0;
    for (const auto& f : user_files) rules::load_rule_file(f, impl->set, order, errors);
    if (!rules_dir.empty()) {
        std::error_code ec;
        std::vector<std::string> files;
        for (const auto& entry : fs::directory_iterator(rules_dir, ec)) {
            std::string name = entry.path().filename().string();
            if (entry.is_regular_file() && is_rule_file_name(name)) files.push_back(entry.path().string());
        }
        if (ec) {
            errors.push_back({rules_dir, 0, "cannot read the rules directory: " + ec.message()});
        } else if (files.empty()) {
            errors.push_back({rules_dir, 0, "no rule files found (set MXTRIAGE_RULES?)"});
        }
        // providers.toml and dnsbl.toml first, then NN-*.toml in lexical order.
        std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
            auto rank = [](const std::string& p) {
                auto n = fs::path(p).filename().string();
                return n == "providers.toml" ? 0 : n == "dnsbl.toml" ? 1 : 2;
            };
            return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
        });
        // A shipped file also given as a user file (`rules check rules/*.toml`) is loaded once.
        std::set<fs::path> given;
        for (const auto& f : user_files) given.insert(fs::weakly_canonical(f, ec));
        for (const auto& f : files)
            if (!given.count(fs::weakly_canonical(f, ec))) rules::load_rule_file(f, impl->set, order, errors);
    }
    // Rule ids are unique over all files.
    std::map<std::string, const Rule*> ids;
    for (const auto& r : impl->set.rules) {
        auto [it, fresh] = ids.emplace(r.id, &r);
        if (!fresh)
            errors.push_back({r.place.file, r.place.line,
                              "duplicate rule id '" + r.id + "' (first at " + it->second->place.file +
                                  ":" + std::to_string(it->second->place.line) + ")"});
    }
    std::set<std::string> provider_ids;
    for (const auto& p : impl->set.providers) provider_ids.insert(p.id);
    for (const auto& r : impl->set.rules)
        if (!r.provider.empty() && !provider_ids.count(r.provider) && r.provider != "other")
            errors.push_back({r.place.file, r.place.line,
                              "rule '" + r.id + "' names unknown provider '" + r.provider + "'"});
    if (!errors.empty()) return std::unexpected(std::move(errors));
    rules::sort_by_precedence(impl->set);
    impl->first_textless_rule = static_cast<std::size_t>(
        std::find_if(impl->set.rules.begin(), impl->set.rules.end(), [](const Rule& r) { return r.texts.empty(); }) -
        impl->set.rules.begin());
    index_providers(*impl);
    if (!compile(*impl, errors)) return std::unexpected(std::move(errors));

    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    // The list a reply names: "blocked using zen.spamhaus.org", "listed at b.barracudacentral.org",
    // "found on bl.spamcop.net", "see https://www.spamhaus.org/query/ip/..."; the zone is checked
    // against rules/dnsbl.toml afterwards.
    impl->zone_capture = std::make_unique<RE2>(
        R"((?:blocked using|listed (?:at|on|in|by)|found (?:on|in)|blacklisted (?:at|on|by)|rbl(?: restriction)?:?|dnsbl:?|using rbl)\s+(?:the\s+)?([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}))",
        o);
    impl->as_capture = std::make_unique<RE2>(R"(\bAS\((\d+)\))", o);
    return std::shared_ptr<const Classifier>(new Classifier(std::move(impl)));
}

// ---------------------------------------------------------------------------------------------
// Sessions

namespace {
constexpr std::size_t kMaxCacheEntries = 1 << 16;

// Admission to the exact-reply cache: a raw reply is cached the second time it is seen within a
// while, not the first. A reply that never repeats byte for byte (a unique queue id or recipient
// in the text) then costs no copy of its text and Diagnosis -- the template cache still answers
// its next look-alike -- and one that repeats is cached on its second sighting. The "while" is a
// direct-mapped table of recent key hashes: a collision only delays admission.
constexpr std::size_t kSeenSlots = 1 << 12;

struct Seen {
    std::array<std::uint64_t, kSeenSlots> hashes{};
    // True when `h` was seen recently; records it otherwise.
    bool again(std::uint64_t h) {
        std::uint64_t& slot = hashes[(h ^ (h >> 29)) & (kSeenSlots - 1)];
        if (slot == h) return true;
        slot = h;
        return false;
    }
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    // Murmur3's 64-bit finaliser over the running hash and the value.
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

// What a template-cache entry depends on besides the template text.
struct TemplateFacts {
    int code = 0;
    EnhancedCode status;
    Stage stage = Stage::unknown;
    int host_provider = -1;
    int domain_provider = -1;
    friend bool operator==(const TemplateFacts&, const TemplateFacts&) = default;
};

// What an exact-cache entry depends on besides the raw reply text.
struct ExactFacts {
    Stage stage = Stage::unknown;
    int code_hint = 0;
    EnhancedCode status_hint;
    friend bool operator==(const ExactFacts&, const ExactFacts&) = default;
};

// The caches are keyed by a 64-bit hash of everything an entry depends on; the entry keeps those
// inputs and a lookup compares them, so a hash collision is a miss, never a wrong answer.
struct IdentityHash {
    std::size_t operator()(std::uint64_t h) const { return static_cast<std::size_t>(h); }
};

// Recipient domains and remote hosts seen recently, with what is derived from them (the
// normalised name and its provider): a log names a few dozen of each over and over, so
// lower-casing and provider look-ups run once per name. Bounded: cleared when full.
class NameMemo {
public:
    struct Entry {
        std::string name;
        int provider = -1;
    };
    template <typename Derive>
    const Entry& get(std::string_view key, Derive&& derive) {
        if (auto it = map_.find(key); it != map_.end()) return it->second;
        if (map_.size() >= kMaxNames) map_.clear();
        return map_.emplace(std::string(key), derive(key)).first->second;
    }

private:
    static constexpr std::size_t kMaxNames = 4096;
    std::unordered_map<std::string, Entry, TransparentStringHash, std::equal_to<>> map_;
};

// The part of an address after its last '@' ("" when none): what domain_of reads.
std::string_view raw_domain(std::string_view address) {
    std::size_t at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

const NameMemo::Entry& recipient_memo(const Classifier::Impl& impl, NameMemo& m, std::string_view recipient) {
    return m.get(raw_domain(recipient), [&](std::string_view raw) {
        NameMemo::Entry e;
        e.name = domain_of(std::string("@").append(raw));
        e.provider = provider_by_domain(impl, e.name);
        return e;
    });
}

const NameMemo::Entry& host_memo(const Classifier::Impl& impl, NameMemo& m, std::string_view host) {
    return m.get(host, [&](std::string_view raw) {
        NameMemo::Entry e;
        e.name = lower_host(raw);
        e.provider = provider_by_host(impl, e.name);
        return e;
    });
}

}  // namespace

struct ClassifierSession::State {
    hs_scratch_t* scratch = nullptr;
    struct Entry {
        int rule = -1;
        int provider = -1;
        int blocklist = -1;  // index into set.blocklists, -2 = a zone not in the table
        std::string zone;  // when blocklist == -2
    };
    struct TemplateSlot {
        std::string templ;
        TemplateFacts facts;
        Entry entry;
    };
    struct ExactSlot {
        std::string raw;
        std::string domain;
        std::string host;
        ExactFacts facts;
        Diagnosis diagnosis;
    };
    std::unordered_map<std::uint64_t, TemplateSlot, IdentityHash> cache;
    std::unordered_map<std::uint64_t, ExactSlot, IdentityHash> exact;
    Seen seen_exact;
    // Recipient domains and remote hosts with their providers (NameMemo).
    NameMemo recipient;
    NameMemo host;
    Reply reply;  // reused by classify(raw): its text buffer keeps its capacity
    std::string templ;
    std::string domain_copy;  // classify(raw): the recipient domain, held across the memo
    std::vector<unsigned> matched_ids;  // vectorscan pattern ids that matched
    std::vector<std::uint32_t> hit_rules;  // rules with a text match, in precedence order
    ~State() {
        if (scratch) hs_free_scratch(scratch);
    }
};

ClassifierSession::ClassifierSession(std::shared_ptr<const Classifier> classifier)
    : classifier_(std::move(classifier)), state_(std::make_unique<State>()) {
    const auto& impl = classifier_->impl();
    if (impl.db && hs_alloc_scratch(impl.db, &state_->scratch) != HS_SUCCESS) {
        // Out of memory for the scratch space: nothing sensible can follow.
        std::abort();
    }
}

ClassifierSession::~ClassifierSession() = default;


void ClassifierSession::identify_provider(const ReplyContext& context, Diagnosis& d) const {
    const auto& impl = classifier_->impl();
    int p = host_memo(impl, state_->host, context.remote_host).provider;
    if (p < 0) p = recipient_memo(impl, state_->recipient, context.recipient).provider;
    if (p >= 0) {
        d.provider = impl.set.providers[p].id;
        d.provider_detail = impl.set.providers[p].detail;
    } else {
        d.provider = "other";
        d.provider_detail.clear();
    }
}

// Two cache levels: this one by the exact raw reply and context (on a real log most replies
// repeat byte for byte: the same sending IP, the same wording), which skips parsing and
// templating; the one in classify(Reply) by template, which skips matching.
Diagnosis ClassifierSession::classify(std::string_view raw_reply, const ReplyContext& context) {
    Diagnosis d;
    classify(raw_reply, context, d);
    return d;
}

void ClassifierSession::classify(std::string_view raw_reply, const ReplyContext& context, Diagnosis& out) {
    State& st = *state_;
    // A copy (into a kept buffer): the memo may be cleared while the reply is classified below.
    std::string& domain = st.domain_copy;
    domain.assign(recipient_memo(classifier_->impl(), st.recipient, context.recipient).name);
    std::string_view host = context.remote_host;
    ExactFacts facts{context.stage, context.code_hint, context.status_hint};
    std::uint64_t h = hash_bytes(raw_reply, 0x6d78742d65786163ULL);
    h = mix(h, hash_bytes(domain, raw_reply.size()));
    h = mix(h, hash_bytes(host, domain.size()));
    h = mix(h, static_cast<std::uint64_t>(facts.stage) << 40 ^ static_cast<std::uint64_t>(facts.code_hint));
    h = mix(h, static_cast<std::uint64_t>(facts.status_hint.cls) << 40 ^
                   static_cast<std::uint64_t>(facts.status_hint.subject) << 20 ^
                   static_cast<std::uint64_t>(facts.status_hint.detail));
    if (auto it = st.exact.find(h); it != st.exact.end()) {
        const State::ExactSlot& e = it->second;
        if (e.raw == raw_reply && e.domain == domain && e.host == host && e.facts == facts) {
            ++hits_;
            out = e.diagnosis;
            return;
        }
    }
    parse_reply(raw_reply, st.reply);
    out = classify(st.reply, context);
    if (st.seen_exact.again(h)) {
        if (st.exact.size() >= kMaxCacheEntries) st.exact.clear();
        st.exact.insert_or_assign(h, State::ExactSlot{std::string(raw_reply), domain,
                                                      std::string(host), facts, out});
    }
}

namespace {

int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
    static_cast<std::vector<unsigned>*>(ctx)->push_back(id);
    return 0;
}

// The first "[a.b.c.d]" (1-3 digits each) in the text: the IP address a provider says it blocked.
// What the regex \[(\d{1,3}(?:\.\d{1,3}){3})\] finds, by hand: each '[' in turn, the dotted quad
// parsed greedily (a digit run longer than three can never be followed by the '.' or ']' the
// pattern needs, so greedy parsing decides exactly as the regex does).
std::string_view bracketed_ipv4(std::string_view t) {
    for (std::size_t p = t.find('['); p != std::string_view::npos; p = t.find('[', p + 1)) {
        std::size_t j = p + 1;
        bool ok = true;
        for (int part = 0; part < 4 && ok; ++part) {
            std::size_t start = j;
            while (j < t.size() && j - start < 3 && t[j] >= '0' && t[j] <= '9') ++j;
            ok = j > start && j < t.size() && t[j] == (part < 3 ? '.' : ']');
            ++j;
        }
        if (ok) return t.substr(p + 1, j - p - 2);
    }
    return {};
}

// A cheap necessary condition for the AS(nnn) capture, so that RE2 runs only on text that can
// match: '(' followed by a digit.
bool has_bracketed_digit(std::string_view t, char open) {
    for (std::size_t p = t.find(open); p != std::string_view::npos; p = t.find(open, p + 1))
        if (p + 1 < t.size() && t[p + 1] >= '0' && t[p + 1] <= '9') return true;
    return false;
}

}  // namespace

Diagnosis ClassifierSession::classify(const Reply& reply, const ReplyContext& context) {
    const auto& impl = classifier_->impl();
    const auto& set = impl.set;
    State& st = *state_;

    int code = reply.basic_code ? reply.basic_code : context.code_hint;
    EnhancedCode status = reply.status;
    if (!status.present() && context.status_hint.present() &&
        (code == 0 || code / 100 == context.status_hint.cls))
        status = context.status_hint;
    Stage stage = reply.stage != Stage::unknown ? reply.stage : context.stage;
    int host_provider = host_memo(impl, st.host, context.remote_host).provider;
    int domain_provider = recipient_memo(impl, st.recipient, context.recipient).provider;

    make_template(reply.text, st.templ);
    TemplateFacts facts{code, status, stage, host_provider, domain_provider};
    std::uint64_t h = hash_bytes(st.templ, 0x6d78742d74706c31ULL);
    h = mix(h, static_cast<std::uint64_t>(code) << 32 ^ static_cast<std::uint64_t>(static_cast<int>(stage)));
    h = mix(h, static_cast<std::uint64_t>(status.cls) << 40 ^
                   static_cast<std::uint64_t>(status.subject) << 20 ^
                   static_cast<std::uint64_t>(status.detail));
    h = mix(h, static_cast<std::uint64_t>(static_cast<std::uint32_t>(host_provider)) << 32 ^
                   static_cast<std::uint32_t>(domain_provider));

    State::Entry entry;
    const State::TemplateSlot* slot = nullptr;
    if (auto it = st.cache.find(h);
        it != st.cache.end() && it->second.templ == st.templ && it->second.facts == facts)
        slot = &it->second;
    if (slot) {
        ++hits_;
        entry = slot->entry;
    } else {
        ++misses_;
        st.matched_ids.clear();
        if (impl.db && !reply.text.empty()) {
            hs_scan(impl.db, reply.text.data(), static_cast<unsigned>(reply.text.size()), 0, st.scratch,
                    on_match, &st.matched_ids);
        }
        // Which rules and providers had a text pattern match.
        st.hit_rules.clear();
        int text_provider = -1;
        for (unsigned id : st.matched_ids) {
            const auto& o = impl.owners[id];
            if (o.is_provider) {
                if (text_provider < 0 || static_cast<int>(o.index) < text_provider)
                    text_provider = static_cast<int>(o.index);
            } else {
                st.hit_rules.push_back(o.index);
            }
        }
        // Rules are in precedence order and text rules (tiers 1-2) come first: try the text rules
        // that matched, in order, then the code-only rules.
        std::sort(st.hit_rules.begin(), st.hit_rules.end());
        entry.provider = text_provider >= 0 ? text_provider : host_provider >= 0 ? host_provider : domain_provider;
        // Wording shared by a provider's services (Microsoft's AS(nnn) for Outlook.com and
        // Microsoft 365) names the provider but not the service: take the detail from the host
        // or the recipient domain when they name the same provider.
        if (text_provider >= 0 && set.providers[text_provider].detail.empty()) {
            for (int other : {host_provider, domain_provider}) {
                if (other >= 0 && set.providers[other].id == set.providers[text_provider].id &&
                    !set.providers[other].detail.empty()) {
                    entry.provider = other;
                    break;
                }
            }
        }
        const std::string& provider_id = entry.provider >= 0 ? set.providers[entry.provider].id : std::string("other");
        auto holds = [&](const Rule& r) {
            if (!r.provider.empty() && r.provider != provider_id) return false;
            if (!r.codes.empty() &&
                std::none_of(r.codes.begin(), r.codes.end(), [&](const auto& p) { return p.matches(code); }))
                return false;
            if (!r.statuses.empty() &&
                std::none_of(r.statuses.begin(), r.statuses.end(), [&](const auto& p) { return p.matches(status); }))
                return false;
            return !r.stage_mask || (r.stage_mask & (1u << static_cast<unsigned>(stage)));
        };
        for (std::uint32_t i : st.hit_rules) {
            if (holds(set.rules[i])) {
                entry.rule = static_cast<int>(i);
                break;
            }
        }
        for (std::size_t i = impl.first_textless_rule; entry.rule < 0 && i < set.rules.size(); ++i) {
            if (holds(set.rules[i])) entry.rule = static_cast<int>(i);
        }
        // The blocklist a reply names, if any.
        if (entry.rule >= 0 && set.rules[entry.rule].category == Category::blocklisted) {
            std::string zone;
            if (RE2::PartialMatch(reply.text, *impl.zone_capture, &zone)) {
                for (auto& c : zone) c = ascii_lower(c);
                for (std::size_t b = 0; b < set.blocklists.size(); ++b)
                    if (host_matches(zone, set.blocklists[b].zone) || host_matches(set.blocklists[b].zone, zone)) {
                        entry.blocklist = static_cast<int>(b);
                        break;
                    }
            }
            if (entry.blocklist == -1) {
                for (std::size_t b = 0; b < set.blocklists.size() && entry.blocklist == -1; ++b)
                    for (const auto& m : set.blocklists[b].mentions)
                        if (RE2::PartialMatch(reply.text, *m)) {
                            entry.blocklist = static_cast<int>(b);
                            break;
                        }
            }
            if (entry.blocklist == -1 && !zone.empty()) {
                entry.blocklist = -2;
                entry.zone = zone;
            }
        }
        if (st.cache.size() >= kMaxCacheEntries) st.cache.clear();
        st.cache.insert_or_assign(h, State::TemplateSlot{st.templ, facts, entry});
    }

    Diagnosis d;
    d.template_text = st.templ;
    if (entry.provider >= 0) {
        d.provider = set.providers[entry.provider].id;
        d.provider_detail = set.providers[entry.provider].detail;
    }
    int cls = code ? code / 100 : status.cls;
    if (entry.rule >= 0) {
        const Rule& r = set.rules[entry.rule];
        d.category = r.category;
        d.reason = r.reason;
        d.action = r.action;
        d.rule = r.id;
        d.explanation = r.explanation;
        d.fix = r.fix;
        d.url = r.url;
        d.permanent = r.permanent.value_or(cls == 5);
        d.hard_bounce = r.hard_bounce.value_or(
            r.reason == "userunknown" || r.reason == "hostunknown" || r.reason == "hasmoved" ||
            (r.reason == "notaccept" && cls == 5));
    } else {
        d.category = cls == 4 ? Category::transient : Category::unclassified;
        d.reason = reply.text.empty() && !code ? "undefined" : "onhold";
        d.action = cls == 4 ? Action::retry : Action::investigate;
        d.permanent = cls == 5;
        d.explanation = "No rule matched this reply.";
        d.fix = "Read the reply text; if it recurs, add a rule for it (mxtriage rules check).";
    }
    if (entry.blocklist >= 0) {
        const auto& b = set.blocklists[entry.blocklist];
        d.blocklist = {b.name, b.zone, b.delist_url};
    } else if (entry.blocklist == -2) {
        d.blocklist = {entry.zone, entry.zone, ""};
    }
    // Per-reply captures, never cached: the IP a provider says it blocked, Microsoft's AS(...) id.
    if (d.category == Category::blocklisted || d.category == Category::ip_reputation ||
        d.category == Category::rate_limited) {
        d.listed_ip = bracketed_ipv4(reply.text);
        std::string as_id;
        if (has_bracketed_digit(reply.text, '(') && RE2::PartialMatch(reply.text, *impl.as_capture, &as_id))
            d.block_id = "AS(" + as_id + ")";
    }
    // Invariants of triage-spec section 6: a 5.7.x reply, or a rejection at connect, HELO or
    // MAIL FROM, is about the sender, never a reason to suppress the recipient.
    bool suppressing = d.action == Action::suppress || d.action == Action::suppress_after_retries;
    if (suppressing && status.subject == 7) {
        d.action = Action::investigate;
        d.explanation += " The enhanced code is 5.7.x (a policy decision about the sender), so the "
                         "address is not suppressed.";
    } else if (suppressing && (stage == Stage::connect || stage == Stage::helo || stage == Stage::mail)) {
        d.action = Action::investigate;
        d.explanation += " The rejection came before the recipient was named, so it concerns the "
                         "sender, not the address.";
    }
    return d;
}

}  // namespace mxt
