// The counting side of the ingest contract (sink.hpp): problem formatting and count arithmetic.
#include "ingest/sink.hpp"

#include <string>

namespace mxt {

std::string InputProblem::str() const {
    // "file:line: why" for line-based input, "file: message N: why" for mailboxes,
    // "file: byte N: why" when only an offset is known.
    std::string out = source;
    if (line != 0) {
        out += ':';
        out += std::to_string(line);
        out += ": ";
    } else if (message != 0) {
        out += ": message ";
        out += std::to_string(message);
        out += ": ";
    } else if (offset != 0) {
        out += ": byte ";
        out += std::to_string(offset);
        out += ": ";
    } else {
        out += ": ";
    }
    out += why;
    return out;
}

std::uint64_t InputCounts::skipped_total() const {
    std::uint64_t n = 0;
    for (const auto& [why, count] : skipped) n += count;
    return n;
}

std::uint64_t InputCounts::failed_total() const {
    std::uint64_t n = 0;
    for (const auto& [why, count] : failed) n += count;
    return n;
}

void InputCounts::merge(const InputCounts& other) {
    read += other.read;
    parsed += other.parsed;
    events += other.events;
    for (const auto& [why, count] : other.skipped) skipped[why] += count;
    for (const auto& [why, count] : other.failed) failed[why] += count;
}

}  // namespace mxt
