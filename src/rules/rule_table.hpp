// The in-memory rule table: rules, providers and blocklists as loaded from rules/*.toml, before and
// after compilation. Internal to src/rules/; other modules use classifier.hpp.
#pragma once

#include <hs/hs.h>
#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/hash.hpp"
#include "rules/classifier.hpp"
#include "rules/vocabulary.hpp"

namespace mxt::rules {

// A place in a rule file, for messages.
struct Place {
    std::string file;
    int line = 0;
};

// "550", "55x", "5xx": 'x' matches any digit.
struct CodePattern {
    std::array<char, 3> digits{};
    bool matches(int code) const;
};

// "5.7.26", "5.7.*", "4.*.*": -1 matches anything.
struct StatusPattern {
    int cls = -1, subject = -1, detail = -1;
    bool matches(const EnhancedCode& c) const;
};

struct TextPattern {
    std::string regex;
    Place place;
};

struct Rule {
    std::string id;
    Place place;
    std::string provider;  // "" = any provider
    std::vector<CodePattern> codes;
    std::vector<StatusPattern> statuses;
    std::uint32_t stage_mask = 0;  // bit per Stage; 0 = any
    std::vector<TextPattern> texts;
    Category category = Category::unclassified;
    std::string reason;
    Action action = Action::investigate;
    std::optional<bool> permanent;
    std::optional<bool> hard_bounce;
    std::string explanation;
    std::string fix;
    std::string url;
    int tier = 0;  // 1..4, see docs/rule-format.md
    std::size_t order = 0;  // load order
};

struct Provider {
    std::string id;
    std::string detail;
    Place place;
    std::vector<TextPattern> texts;
    std::vector<std::string> hosts;  // domain suffixes, lower case
    std::vector<std::string> domains;  // exact, or "name.*" prefix forms, lower case
};

struct BlocklistEntry {
    std::string name;
    std::string zone;
    std::string kind;
    std::string delist_url;
    std::vector<std::unique_ptr<RE2>> mentions;
};

// Everything loaded from the rule files, before compilation.
struct RuleSet {
    std::vector<Rule> rules;  // in precedence order after sort_by_precedence()
    std::vector<Provider> providers;
    std::vector<BlocklistEntry> blocklists;
    std::vector<RuleLoadError> warnings;
};

// Loads one rule file (classification rules, providers or blocklists, by content) into `set`,
// appending errors. `order` is advanced for each rule loaded.
void load_rule_file(const std::string& path, RuleSet& set, std::size_t& order,
                    std::vector<RuleLoadError>& errors);

// Sorts rules by (tier, load order).
void sort_by_precedence(RuleSet& set);

}  // namespace mxt::rules

namespace mxt {

// The compiled classifier: one vectorscan database holding every text pattern of every rule and
// provider; pattern id -> owner.
struct Classifier::Impl {
    rules::RuleSet set;
    hs_database_t* db = nullptr;
    struct PatternOwner {
        bool is_provider = false;
        std::uint32_t index = 0;  // rule or provider index
    };
    std::vector<PatternOwner> owners;  // by vectorscan pattern id
    std::size_t first_textless_rule = 0;  // rules before it have text patterns (tiers 1-2)
    std::unique_ptr<RE2> zone_capture;  // "blocked using <zone>" and friends
    std::unique_ptr<RE2> as_capture;  // "AS(1234)"
    // Provider lookup by remote host suffix and recipient domain, built at load: suffix/domain ->
    // the first provider entry (file order) that lists it.
    std::unordered_map<std::string, int, TransparentStringHash, std::equal_to<>> provider_by_host_suffix;
    std::unordered_map<std::string, int, TransparentStringHash, std::equal_to<>> provider_by_exact_domain;
    std::vector<std::pair<std::string, int>> provider_by_domain_stem;  // "yahoo." from "yahoo.*"
    ~Impl();
};

}  // namespace mxt
