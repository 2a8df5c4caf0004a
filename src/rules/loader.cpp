// Loads rule files (docs/rule-format.md) with toml++ and validates them, collecting every error
// with its file and line rather than stopping at the first: `mxtriage rules check` shows them all.
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "rules/rule_table.hpp"

namespace mxt::rules {
namespace {

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

class FileLoader {
public:
    FileLoader(std::string path, RuleSet& set, std::size_t& order, std::vector<RuleLoadError>& errors)
        : path_(std::move(path)), set_(set), order_(order), errors_(errors) {}

    void run() {
        std::ifstream in(path_, std::ios::binary);
        if (!in) {
            error(0, "cannot open rule file");
            return;
        }
        std::stringstream buf;
        buf << in.rdbuf();
        std::string text = buf.str();
        toml::table root;
        try {
            root = toml::parse(text, path_);
        } catch (const toml::parse_error& e) {
            error(static_cast<int>(e.source().begin.line), std::string(e.description()));
            return;
        }
        for (auto&& [key, node] : root) {
            if (key == "rule") {
                each_table(node, "rule", [&](const toml::table& t) { load_rule(t); });
            } else if (key == "provider") {
                each_table(node, "provider", [&](const toml::table& t) { load_provider(t); });
            } else if (key == "list") {
                each_table(node, "list", [&](const toml::table& t) { load_list(t); });
            } else if (key == "capture" || key == "meta") {
                // reserved for documentation/metadata; ignored by the classifier
            } else {
                error(line_of(node), "unknown top-level key '" + std::string(key.str()) +
                                         "' (expected [[rule]], [[provider]] or [[list]])");
            }
        }
    }

private:
    template <typename F>
    void each_table(const toml::node& node, std::string_view what, F&& f) {
        const auto* arr = node.as_array();
        if (!arr || !arr->is_array_of_tables()) {
            error(line_of(node), "'" + std::string(what) + "' must be an array of tables ([[" +
                                     std::string(what) + "]])");
            return;
        }
        for (const auto& el : *arr) f(*el.as_table());
    }

    void error(int line, std::string msg) { errors_.push_back({path_, line, std::move(msg)}); }
    void warn(int line, std::string msg) { set_.warnings.push_back({path_, line, std::move(msg)}); }

    // Reads a string field; records an error when present but not a string.
    std::optional<std::string> str(const toml::table& t, std::string_view key, bool required,
                                   int table_line) {
        const toml::node* n = t.get(key);
        if (!n) {
            if (required) error(table_line, "missing required key '" + std::string(key) + "'");
            return std::nullopt;
        }
        if (auto v = n->value<std::string>()) return *v;
        error(line_of(*n), "'" + std::string(key) + "' must be a string");
        return std::nullopt;
    }

    std::optional<bool> boolean(const toml::table& t, std::string_view key) {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (auto v = n->value<bool>()) return *v;
        error(line_of(*n), "'" + std::string(key) + "' must be true or false");
        return std::nullopt;
    }

    // A string or an array of strings, each with its line.
    std::vector<std::pair<std::string, int>> strings(const toml::table& t, std::string_view key) {
        std::vector<std::pair<std::string, int>> out;
        const toml::node* n = t.get(key);
        if (!n) return out;
        if (auto v = n->value<std::string>()) {
            out.emplace_back(*v, line_of(*n));
            return out;
        }
        const auto* arr = n->as_array();
        if (!arr) {
            error(line_of(*n), "'" + std::string(key) + "' must be a string or an array of strings");
            return out;
        }
        for (const auto& el : *arr) {
            if (auto v = el.value<std::string>())
                out.emplace_back(*v, line_of(el));
            else
                error(line_of(el), "'" + std::string(key) + "' entries must be strings");
        }
        return out;
    }

    void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed) {
        for (auto&& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
                error(line_of(v), "unknown key '" + std::string(k.str()) + "'");
        }
    }

    void load_rule(const toml::table& t) {
        int line = line_of(t);
        check_keys(t, {"id", "provider", "code", "status", "stage", "text", "category", "reason",
                       "action", "permanent", "hard_bounce", "explanation", "fix", "url"});
        Rule r;
        r.place = {path_, line};
        std::size_t errors_before = errors_.size();
        if (auto v = str(t, "id", true, line)) r.id = *v;
        if (auto v = str(t, "provider", false, line)) r.provider = *v;
        for (auto& [s, l] : strings(t, "code")) {
            CodePattern p;
            bool ok = s.size() == 3;
            for (std::size_t i = 0; ok && i < 3; ++i) {
                char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
                ok = (c >= '0' && c <= '9') || c == 'x';
                p.digits[i] = c;
            }
            if (ok && (p.digits[0] < '2' || p.digits[0] > '5') && p.digits[0] != 'x') ok = false;
            if (!ok)
                error(l, "bad code pattern '" + s + "' (expected three digits or 'x', e.g. 550, 55x, 5xx)");
            else
                r.codes.push_back(p);
        }
        for (auto& [s, l] : strings(t, "status")) {
            StatusPattern p;
            if (!parse_status_pattern(s, p))
                error(l, "bad status pattern '" + s + "' (expected e.g. 5.7.26, 5.7.*, 4.*.*)");
            else
                r.statuses.push_back(p);
        }
        for (auto& [s, l] : strings(t, "stage")) {
            auto st = stage_from_string(s);
            if (!st || *st == Stage::unknown)
                error(l, "unknown stage '" + s + "' (connect, helo, mail, rcpt, data, end_of_data)");
            else
                r.stage_mask |= 1u << static_cast<unsigned>(*st);
        }
        for (auto& [s, l] : strings(t, "text")) {
            if (s.empty())
                error(l, "empty text pattern");
            else
                r.texts.push_back({s, {path_, l}});
        }
        if (auto v = str(t, "category", true, line)) {
            auto c = category_from_string(*v);
            if (!c || *c == Category::complaint || *c == Category::auto_reply || *c == Category::delivered)
                error(line_of(*t.get("category")), "unknown category '" + *v + "'");
            else
                r.category = *c;
        }
        if (auto v = str(t, "reason", true, line)) {
            if (!is_known_reason(*v))
                error(line_of(*t.get("reason")), "unknown reason '" + *v + "' (Sisimai's vocabulary)");
            else
                r.reason = *v;
        }
        if (auto v = str(t, "action", true, line)) {
            auto a = action_from_string(*v);
            if (!a || *a == Action::none)
                error(line_of(*t.get("action")), "unknown action '" + *v + "'");
            else
                r.action = *a;
        }
        r.permanent = boolean(t, "permanent");
        r.hard_bounce = boolean(t, "hard_bounce");
        if (auto v = str(t, "explanation", true, line)) r.explanation = *v;
        if (auto v = str(t, "fix", true, line)) r.fix = *v;
        if (auto v = str(t, "url", false, line)) r.url = *v;
        if (errors_.size() != errors_before) return;

        // Triage-spec section 6: only these categories may be suppressed.
        if (r.action == Action::suppress && !suppress_at_once(r.category))
            error(line, "rule '" + r.id + "': action 'suppress' is only for unknown_user, "
                        "mailbox_disabled and bad_domain, not " + std::string(to_string(r.category)));
        if (r.action == Action::suppress_after_retries && r.category != Category::mailbox_full)
            error(line, "rule '" + r.id + "': action 'suppress_after_retries' is only for mailbox_full");
        if (r.action == Action::suppress || r.action == Action::suppress_after_retries) {
            for (const auto& p : r.statuses)
                if ((p.cls == 5 || p.cls == -1) && (p.subject == 7 || p.subject == -1))
                    warn(line, "rule '" + r.id + "' suppresses and its status pattern covers 5.7.x: "
                               "such replies are turned into 'investigate' at run time");
        }
        if (!r.provider.empty() && !r.texts.empty())
            r.tier = 1;
        else if (!r.texts.empty())
            r.tier = 2;
        else if (!r.statuses.empty())
            r.tier = 3;
        else
            r.tier = 4;
        if (r.tier == 4 && r.codes.empty() && r.provider.empty() && r.stage_mask == 0)
            warn(line, "rule '" + r.id + "' has no condition and matches every reply");
        r.order = order_++;
        set_.rules.push_back(std::move(r));
    }

    static bool parse_status_pattern(const std::string& s, StatusPattern& p) {
        int parts[3];
        std::size_t i = 0;
        for (int k = 0; k < 3; ++k) {
            if (i >= s.size()) return false;
            if (s[i] == '*') {
                parts[k] = -1;
                ++i;
            } else {
                std::size_t start = i;
                int v = 0;
                while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3)
                    v = v * 10 + (s[i++] - '0');
                if (i == start) return false;
                parts[k] = v;
            }
            if (k < 2) {
                if (i >= s.size() || s[i] != '.') return false;
                ++i;
            }
        }
        if (i != s.size()) return false;
        if (parts[0] != -1 && parts[0] != 2 && parts[0] != 4 && parts[0] != 5) return false;
        p = {parts[0], parts[1], parts[2]};
        return true;
    }

    void load_provider(const toml::table& t) {
        int line = line_of(t);
        check_keys(t, {"id", "detail", "text", "hosts", "domains", "name"});
        Provider p;
        p.place = {path_, line};
        if (auto v = str(t, "id", true, line)) p.id = *v;
        if (auto v = str(t, "detail", false, line)) p.detail = *v;
        for (auto& [s, l] : strings(t, "text")) p.texts.push_back({s, {path_, l}});
        for (auto& [s, l] : strings(t, "hosts")) {
            std::string h = lower(s);
            while (!h.empty() && (h.front() == '*' || h.front() == '.')) h.erase(h.begin());
            if (h.empty()) error(l, "empty host suffix");
            else p.hosts.push_back(h);
        }
        for (auto& [s, l] : strings(t, "domains")) {
            if (s.empty()) error(l, "empty domain");
            else p.domains.push_back(lower(s));
        }
        if (!p.id.empty()) {
            for (char c : p.id)
                if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
                    error(line, "provider id '" + p.id + "' must be lower-case letters, digits and '-'");
            set_.providers.push_back(std::move(p));
        }
    }

    void load_list(const toml::table& t) {
        int line = line_of(t);
        BlocklistEntry b;
        if (auto v = str(t, "name", true, line)) b.name = *v;
        if (auto v = str(t, "zone", true, line)) b.zone = lower(*v);
        if (auto v = str(t, "kind", false, line)) b.kind = *v;
        if (auto v = str(t, "delist_url", false, line)) b.delist_url = *v;
        for (auto& [s, l] : strings(t, "mentions")) {
            RE2::Options o;
            o.set_case_sensitive(false);
            o.set_log_errors(false);
            auto re = std::make_unique<RE2>(s, o);
            if (!re->ok())
                error(l, "bad mention pattern '" + s + "': " + re->error());
            else
                b.mentions.push_back(std::move(re));
        }
        set_.blocklists.push_back(std::move(b));
    }

    std::string path_;
    RuleSet& set_;
    std::size_t& order_;
    std::vector<RuleLoadError>& errors_;
};

}  // namespace

bool CodePattern::matches(int code) const {
    if (code < 100 || code > 999) return false;
    char d[3] = {static_cast<char>('0' + code / 100), static_cast<char>('0' + code / 10 % 10),
                 static_cast<char>('0' + code % 10)};
    for (int i = 0; i < 3; ++i)
        if (digits[i] != 'x' && digits[i] != d[i]) return false;
    return true;
}

bool StatusPattern::matches(const EnhancedCode& c) const {
    if (!c.present()) return false;
    return (cls == -1 || cls == c.cls) && (subject == -1 || subject == c.subject) &&
           (detail == -1 || detail == c.detail);
}

void load_rule_file(const std::string& path, RuleSet& set, std::size_t& order,
                    std::vector<RuleLoadError>& errors) {
    FileLoader(path, set, order, errors).run();
}

void sort_by_precedence(RuleSet& set) {
    std::stable_sort(set.rules.begin(), set.rules.end(), [](const Rule& a, const Rule& b) {
        return a.tier != b.tier ? a.tier < b.tier : a.order < b.order;
    });
}

}  // namespace mxt::rules
