// The classifier: rule table (rules/*.toml) compiled into one vectorscan database, applied to a
// parsed reply with its context (recipient, remote host), first match wins in precedence order.
//
// A Classifier is immutable after load and shared by all threads; each thread classifies through
// its own ClassifierSession, which owns the vectorscan scratch space and the template cache.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reply/reply.hpp"
#include "rules/diagnosis.hpp"

namespace mxt {

// What the classifier sees besides the reply itself.
struct ReplyContext {
    std::string_view recipient;  // "user@example.com", may be empty
    std::string_view remote_host;  // the remote MTA's name, may be empty
    Stage stage = Stage::unknown;  // stage known from elsewhere (a log's "in reply to")
    // An enhanced code reported beside the reply (a DSN's Status:, Postfix's dsn=), used when the
    // reply text carries none.
    EnhancedCode status_hint;
    int code_hint = 0;  // a basic code reported beside the reply, used when the text has none
};

struct RuleLoadError {
    std::string file;
    int line = 0;  // 1-based; 0 when not tied to a line
    std::string message;
    std::string str() const;  // "file:line: message"
};

class Classifier {
public:
    // Loads `user_files` (in front, in the order given) and then every *.toml under `rules_dir`
    // in lexical order. Returns every error found (not just the first) on failure.
    static std::expected<std::shared_ptr<const Classifier>, std::vector<RuleLoadError>> load(
        const std::vector<std::string>& user_files, const std::string& rules_dir);

    // The directory with the shipped rules: $MXTRIAGE_RULES, else the one beside the binary
    // (../share/mxtriage/rules or the source tree's rules/), else the compiled-in default.
    static std::string default_rules_dir();

    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    ~Classifier();
    const Impl& impl() const { return *impl_; }
    std::size_t rule_count() const;

private:
    std::unique_ptr<Impl> impl_;
};

class ClassifierSession {
public:
    explicit ClassifierSession(std::shared_ptr<const Classifier> classifier);
    ~ClassifierSession();
    ClassifierSession(const ClassifierSession&) = delete;
    ClassifierSession& operator=(const ClassifierSession&) = delete;

    Diagnosis classify(const Reply& reply, const ReplyContext& context);
    // Convenience: parse and classify raw reply text.
    Diagnosis classify(std::string_view raw_reply, const ReplyContext& context);
    // The same, written over `out` (its buffers reused: no allocation when the reply was seen).
    void classify(std::string_view raw_reply, const ReplyContext& context, Diagnosis& out);

    // The provider named by the remote host or, failing that, the recipient domain: for events
    // that carry no reply to classify (deliveries, complaints) but still count per provider.
    void identify_provider(const ReplyContext& context, Diagnosis& d) const;

    std::size_t cache_hits() const { return hits_; }
    std::size_t cache_misses() const { return misses_; }

private:
    struct State;
    std::shared_ptr<const Classifier> classifier_;
    std::unique_ptr<State> state_;
    std::size_t hits_ = 0;
    std::size_t misses_ = 0;
};

}  // namespace mxt
