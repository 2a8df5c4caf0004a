// Splits a byte source into lines with bounded memory: a fixed read buffer, lines handed out as
// views into it. A line longer than the limit is not held: it is reported once (with its line
// number) and skipped to its end, so a 100 MB line costs no more memory than a short one.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "ingest/byte_source.hpp"

namespace mxt {

class LineReader {
public:
    static constexpr std::size_t kDefaultMaxLine = 1u << 20;  // 1 MiB: no log line is longer
    static constexpr std::size_t kReadChunk = 128u << 10;  // bytes asked of the source per read

    explicit LineReader(ByteSource& source, std::size_t max_line = kDefaultMaxLine);

    enum class Status { line, too_long, end, error };
    struct Result {
        Status status;
        std::string_view text;  // the line without its "\n" or "\r\n" (Status::line)
        std::uint64_t number = 0;  // 1-based line number
        std::uint64_t offset = 0;  // byte offset of the line's start
        std::string_view error;  // Status::error
    };
    // The view stays valid until the next call.
    Result next();

private:
    bool fill();  // reads more; false at end or error
    ByteSource& source_;
    std::size_t max_line_;
    // Not zero-filled: the buffer is sized for the longest line (2 MB by default), and clearing it
    // cost more than reading a whole bounce message from an mbox file.
    std::size_t cap_;
    std::unique_ptr<char[]> buf_;
    std::size_t begin_ = 0, end_ = 0;
    std::uint64_t line_ = 0;
    std::uint64_t offset_ = 0;  // stream offset of buf_[begin_]
    bool eof_ = false;
    std::string error_;
};

}  // namespace mxt
