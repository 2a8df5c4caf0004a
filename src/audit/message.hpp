// Root cause of an authentication rejection from a message, a bounce carrying the original
// headers, or an SMTP transcript: compares the From: domain with the DKIM d= and Return-Path
// domains (DMARC alignment, RFC 7489 3.1, relaxed and strict), reads Authentication-Results
// (RFC 8601) and says in plain words what fails and the fix.
#pragma once

#include <string>
#include <vector>

#include "audit/authres.hpp"
#include "audit/dns.hpp"
#include "audit/psl.hpp"

namespace mxt::audit {

struct HeaderField {
    std::string name;   // as written
    std::string value;  // unfolded
    std::size_t line = 0;
};

// What the input holds, after picking the header block of the original message.
struct MessageInput {
    std::vector<HeaderField> headers;
    std::string mail_from;   // from an SMTP transcript ("MAIL FROM:<...>")
    std::string reply;       // the rejection reply of the transcript, if any
    std::vector<std::string> problems;  // unreadable parts, with line numbers
};

MessageInput read_message(std::string_view text);

struct DkimCheck {
    std::string d, s, result;  // result from Authentication-Results, else "unverified"
    bool aligned = false;         // relaxed or strict as the policy asks
    bool aligned_strict = false;
    bool aligned_relaxed = false;
};

struct MessageAudit {
    std::string header_from;  // the domain
    std::string from_address;
    std::string return_path;  // domain
    std::string reply;
    struct {
        std::string domain, result;
        bool aligned = false, aligned_strict = false, aligned_relaxed = false;
    } spf;
    std::vector<DkimCheck> dkim;
    struct {
        std::string result, policy, disposition, reported;
    } dmarc;
    std::vector<AuthResults> authentication_results;
    std::string verdict;
    std::string fix;
    std::vector<std::string> problems;
    bool findings = false;
};

// `dns` may be null: then the DMARC policy of the From: domain is not looked up.
MessageAudit audit_message(const MessageInput& in, const PublicSuffixList& psl, Resolver* dns);

}  // namespace mxt::audit
