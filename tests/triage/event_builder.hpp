// Builds delivery events with their diagnosis filled in directly, so that the triage engine can be
// tested without the readers and the classifier.
#pragma once

#include <string>

#include "ingest/event.hpp"
#include "triage/aggregate.hpp"

namespace mxt::test {

struct Batch {
    std::string provider;  // diagnosis.provider
    std::string domain;  // recipient domain
    Outcome outcome = Outcome::delivered;
    Category category = Category::delivered;
    std::string code;
    std::string status;
    std::string text;
    std::string segment;
    std::string campaign = "spring-sale";
    std::int64_t start = 1767258000;  // 2026-01-01T09:00:00Z
    std::string source = "mail.log";
};

// Adds n events of the batch, one recipient each, a second apart.
inline void add_events(triage::Aggregator& a, const Batch& b, int n, int first_id = 0) {
    for (int i = 0; i < n; ++i) {
        DeliveryEvent e;
        e.source = b.source;
        e.recipient = "u" + std::to_string(first_id + i) + "@" + b.domain;
        e.outcome = b.outcome;
        e.reply_code = b.code;
        e.status = b.status;
        e.text = b.text;
        e.campaign = b.campaign;
        e.segment = b.segment;
        e.unix_time = b.start + first_id + i;
        e.time = std::to_string(e.unix_time);
        e.diagnosis.category = b.category;
        e.diagnosis.provider = b.provider;
        e.diagnosis.template_text = b.text;
        a.add(e);
    }
}

inline Batch delivered(std::string provider, std::string domain, std::string segment = "") {
    Batch b;
    b.provider = std::move(provider);
    b.domain = std::move(domain);
    b.outcome = Outcome::delivered;
    b.category = Category::delivered;
    b.code = "250";
    b.status = "2.0.0";
    b.text = "250 2.0.0 OK";
    b.segment = std::move(segment);
    return b;
}

inline Batch bounced(std::string provider, std::string domain, Category c, std::string code,
                     std::string status, std::string text, std::string segment = "") {
    Batch b;
    b.provider = std::move(provider);
    b.domain = std::move(domain);
    b.outcome = code.starts_with("4") ? Outcome::deferred : Outcome::bounced;
    b.category = c;
    b.code = std::move(code);
    b.status = std::move(status);
    b.text = std::move(text);
    b.segment = std::move(segment);
    return b;
}

inline const char* kGmailUnknown =
    "550-5.1.1 The email account that you tried to reach does not exist. Please try "
    "double-checking the recipient's email address for typos or unnecessary spaces. - gsmtp";
inline const char* kGmailReputation =
    "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your "
    "IP address. To protect our users from spam, mail sent from your IP address has been blocked. "
    "- gsmtp";
inline const char* kMicrosoft515 =
    "550 5.7.515 Access denied, sending domain example.com does not meet the required "
    "authentication level.";

}  // namespace mxt::test
