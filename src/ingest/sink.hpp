// Where readers deliver what they read. Every unit of input (a log line, a message) ends up as
// parsed, skipped (with why) or failed (with why and where), so that the counts reconcile:
// read == parsed + skipped + failed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ingest/event.hpp"

namespace mxt {

// A problem with a place: "file:line: why" or "file: byte 1234: why" or "file: message 3: why".
struct InputProblem {
    std::string source;
    std::uint64_t line = 0;  // 1-based line, 0 when not line-based
    std::uint64_t offset = 0;  // byte offset, when no line applies
    std::uint64_t message = 0;  // message index in a mailbox, when applicable
    std::string why;
    std::string str() const;
};

struct InputCounts {
    std::uint64_t read = 0;
    std::uint64_t parsed = 0;
    std::map<std::string, std::uint64_t> skipped;
    std::map<std::string, std::uint64_t> failed;
    std::uint64_t events = 0;  // delivery events produced (one unit may yield several)
    std::uint64_t skipped_total() const;
    std::uint64_t failed_total() const;
    bool reconciles() const { return read == parsed + skipped_total() + failed_total(); }
    void merge(const InputCounts& other);
};

class EventSink {
public:
    virtual ~EventSink() = default;
    // A delivery event, diagnosis not yet filled in (the pipeline classifies).
    virtual void event(DeliveryEvent&& e) = 0;
    // The same for an event the reader keeps and refills for its next delivery (its strings keep
    // their buffers, so a line of a large log costs no allocation). The sink may use `e` in place
    // and leaves it valid but unspecified; the reader clears it before refilling. The default
    // moves it on, which is right for sinks that keep their events.
    virtual void reuse(DeliveryEvent& e) { event(std::move(e)); }
    // A problem worth telling the user (a failed unit, a truncated message). Counting is separate.
    virtual void problem(const InputProblem& p) = 0;
};

}  // namespace mxt
