// Reads one input (a file, stdin, a Maildir message): opens it, inflates gzip, refuses binary
// data, picks the reader (forced or detected), and runs it line by line (logs), message by message
// (mbox) or whole (one message). Every unit ends up counted; problems go to the sink with their
// place. Never throws for bad input.
#pragma once

#include <string>
#include <vector>

#include "ingest/byte_source.hpp"
#include "ingest/log_reader.hpp"
#include "ingest/sink.hpp"

namespace mxt {

struct InputSpec {
    std::string path;  // "-" for stdin
    std::string forced_format;  // "" = detect; "message" for Maildir entries
};

struct InputLimits {
    std::size_t max_line = 1u << 20;  // longer log lines are failed units
    std::size_t max_message = 64u << 20;  // larger e-mail messages are failed units
    std::size_t max_problems = 100;  // per input; the rest are counted, one note says so
    GzipLimits gzip;
};

struct InputOptions {
    std::string campaign_header = "X-Campaign";
    InputLimits limits;
};

void read_input(const InputSpec& spec, const InputOptions& options, EventSink& sink,
                InputCounts& counts);

// Reads from an already open source (tests, stdin). `name` names the input in problems.
void read_source(const std::string& name, std::unique_ptr<ByteSource> source,
                 const std::string& forced_format, int default_year, const InputOptions& options,
                 EventSink& sink, InputCounts& counts);

}  // namespace mxt
