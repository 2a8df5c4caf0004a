// LineReader (line_reader.hpp): memchr over a buffer twice the line limit, compacting when a line
// straddles the end of the buffer.
#include "ingest/line_reader.hpp"

#include <algorithm>

#include <cstring>

namespace mxt {

LineReader::LineReader(ByteSource& source, std::size_t max_line)
    : source_(source), max_line_(max_line), cap_(std::max<std::size_t>(max_line * 2, 64 * 1024)),
      buf_(std::make_unique_for_overwrite<char[]>(cap_)) {}

bool LineReader::fill() {
    if (eof_) return false;
    if (begin_ > 0) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == cap_) return true;  // full; caller handles the long line
    // At most kReadChunk a call: what read(2) copies in is still in the CPU's L2 cache when the
    // lines are split and parsed, instead of being evicted by the rest of a 2 MB fill.
    auto got = source_.read(buf_.get() + end_, std::min(cap_ - end_, kReadChunk));
    if (!got) {
        error_ = got.error();
        eof_ = true;
        return false;
    }
    if (*got == 0) {
        eof_ = true;
        return false;
    }
    end_ += *got;
    return true;
}

LineReader::Result LineReader::next() {
    std::size_t scanned = 0;  // bytes of the current line already searched for '\n'
    for (;;) {
        const char* start = buf_.get() + begin_;
        std::size_t avail = end_ - begin_;
        const void* nl = avail > scanned ? std::memchr(start + scanned, '\n', avail - scanned)
                                         : nullptr;
        if (nl != nullptr) {
            std::size_t len = static_cast<const char*>(nl) - start;
            Result r{Status::line, {start, len}, ++line_, offset_, {}};
            if (len > 0 && start[len - 1] == '\r') r.text = {start, len - 1};
            begin_ += len + 1;
            offset_ += len + 1;
            if (len > max_line_) r.status = Status::too_long, r.text = {};
            return r;
        }
        scanned = avail;
        if (avail > max_line_) {
            // Too long to hold: report it and drop bytes up to the next newline.
            Result r{Status::too_long, {}, ++line_, offset_, {}};
            for (;;) {
                offset_ += end_ - begin_;
                begin_ = end_ = 0;
                if (!fill()) return r;
                const void* p = std::memchr(buf_.get(), '\n', end_);
                if (p != nullptr) {
                    std::size_t len = static_cast<const char*>(p) - buf_.get();
                    begin_ = len + 1;
                    offset_ += len + 1;
                    return r;
                }
            }
        }
        std::size_t before = end_ - begin_;
        if (!fill() || end_ - begin_ == before) {
            if (!error_.empty()) {
                Result r{Status::error, {}, line_ + 1, offset_, error_};
                return r;
            }
            if (end_ > begin_) {  // last line without a newline
                std::size_t len = end_ - begin_;
                const char* s = buf_.get() + begin_;
                Result r{Status::line, {s, len}, ++line_, offset_, {}};
                if (s[len - 1] == '\r') r.text = {s, len - 1};
                begin_ = end_;
                offset_ += len;
                if (len > max_line_) r.status = Status::too_long, r.text = {};
                return r;
            }
            return Result{Status::end, {}, line_, offset_, {}};
        }
    }
}

}  // namespace mxt
