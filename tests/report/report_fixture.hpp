// A triage with something to show (an IP reputation incident at Gmail, unknown users, throttling
// at Microsoft, over several hours) for the report tests.
#pragma once

#include <string>

#include "ingest/event.hpp"
#include "report/report.hpp"
#include "triage/aggregate.hpp"
#include "triage/config.hpp"
#include "triage/verdict.hpp"

namespace mxt::test {

inline void add(triage::Aggregator& a, int n, const std::string& provider, const std::string& domain,
                Outcome o, Category c, const std::string& code, const std::string& status,
                const std::string& text, std::int64_t start, const std::string& segment = "main") {
    for (int i = 0; i < n; ++i) {
        DeliveryEvent e;
        e.source = "fixture.log";
        e.recipient = "r" + std::to_string(start + i) + "@" + domain;
        e.outcome = o;
        e.reply_code = code;
        e.status = status;
        e.text = text;
        e.campaign = "spring-sale";
        e.segment = segment;
        e.unix_time = start + i * 20;
        e.diagnosis.category = c;
        e.diagnosis.provider = provider;
        e.diagnosis.template_text = text;
        a.add(e);
    }
}

inline triage::Aggregator fixture_aggregator() {
    triage::Aggregator a;
    const std::int64_t t0 = 1767258000;  // 2026-01-01T09:00:00Z
    for (int hour = 0; hour < 6; ++hour) {
        std::int64_t t = t0 + hour * 3600;
        add(a, 150, "google", "gmail.com", Outcome::delivered, Category::delivered, "250", "2.0.0", "250 2.0.0 OK", t);
        add(a, 120, "microsoft", "outlook.com", Outcome::delivered, Category::delivered, "250", "2.0.0", "250 2.0.0 OK", t + 1);
        add(a, 60, "yahoo", "yahoo.com", Outcome::delivered, Category::delivered, "250", "2.0.0", "250 2.0.0 OK", t + 2);
        add(a, 2, "google", "gmail.com", Outcome::bounced, Category::unknown_user, "550", "5.1.1",
            "550-5.1.1 The email account that you tried to reach does not exist. - gsmtp", t + 3);
        add(a, hour * 15, "google", "gmail.com", Outcome::bounced, Category::ip_reputation, "550", "5.7.1",
            "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating from "
            "your IP address. <script>alert(1)</script> - gsmtp", t + 4);
        add(a, 12, "microsoft", "outlook.com", Outcome::deferred, Category::rate_limited, "451", "4.7.650",
            "451 4.7.650 The mail server [<ip>] has been temporarily rate limited due to IP reputation. (S775)", t + 5);
    }
    return a;
}

}  // namespace mxt::test
