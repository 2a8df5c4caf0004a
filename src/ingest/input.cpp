// One input from bytes to counted units (input.hpp).
#include "ingest/input.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>
#include <sys/stat.h>

#include <cstring>
#include <ctime>

#include "ingest/line_reader.hpp"
#include "ingest/mail/message_reader.hpp"

namespace mxt {
namespace {

constexpr std::size_t kHeadBytes = 4096;

// Counts units and reports problems, capping how many problems one input may print.
class Tally {
public:
    Tally(const std::string& name, const InputOptions& options, EventSink& sink,
          InputCounts& counts)
        : name_(name), options_(options), sink_(sink), counts_(counts) {}

    ~Tally() {
        for (auto& s : skipped_) counts_.skipped[s.why] += s.n;
    }

    void count(UnitResult r, std::string_view why, std::uint64_t line, std::uint64_t message,
               std::uint64_t offset) {
        ++counts_.read;
        switch (r) {
            case UnitResult::parsed: ++counts_.parsed; break;
            case UnitResult::skipped: ++skipped_slot(why); break;
            case UnitResult::failed:
                ++counts_.failed[std::string(why)];
                report(why, line, message, offset);
                break;
        }
    }
    void report(std::string_view why, std::uint64_t line, std::uint64_t message,
                std::uint64_t offset) {
        ++problems_;
        if (problems_ > options_.limits.max_problems) return;
        InputProblem p{name_, line, offset, message, std::string(why)};
        if (problems_ == options_.limits.max_problems)
            p.why += " (further problems in this input are counted, not shown)";
        sink_.problem(p);
    }

private:
    // Skipped lines are the common case (most log lines are not deliveries): count them in a
    // few local slots instead of building a std::string map key per line.
    // Readers pass static text, so the same reason usually arrives with the same pointer: that is
    // checked first, the text only when it differs.
    std::uint64_t& skipped_slot(std::string_view why) {
        for (auto& s : skipped_)
            if (s.seen.data() == why.data() && s.seen.size() == why.size()) return s.n;
        for (auto& s : skipped_)
            if (s.why == why) {
                s.seen = why;
                return s.n;
            }
        skipped_.push_back({std::string(why), {}, 0});
        return skipped_.back().n;
    }
    struct SkipSlot {
        std::string why;
        std::string_view seen;  // the caller's last view of this reason (never dereferenced)
        std::uint64_t n = 0;
    };
    std::vector<SkipSlot> skipped_;
    const std::string& name_;
    const InputOptions& options_;
    EventSink& sink_;
    InputCounts& counts_;
    std::size_t problems_ = 0;
};

// Reads until `head` holds kHeadBytes or the input ends. An error after some bytes (a gzip file
// cut short) returns what was read: the error comes back on the next read, and is then reported
// with its line, after the lines before it have been read.
std::expected<std::string, std::string> read_head(ByteSource& src) {
    std::string head(kHeadBytes, '\0');
    std::size_t have = 0;
    while (have < kHeadBytes) {
        auto got = src.read(head.data() + have, kHeadBytes - have);
        if (!got && have == 0) return std::unexpected(got.error());
        if (!got) break;
        if (*got == 0) break;
        have += *got;
    }
    head.resize(have);
    return head;
}

// Year for RFC 3164 timestamps: the file's modification year (a syslog file is written up to
// its mtime and rotated well within a year), else the current one.
int year_of(const std::string& path) {
    std::time_t t = std::time(nullptr);
    struct stat st{};
    if (path != "-" && ::stat(path.c_str(), &st) == 0) t = st.st_mtime;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

void run_message(const std::string& name, int year, std::string bytes, std::uint64_t index,
                 const InputOptions& options, EventSink& sink, Tally& tally) {
    MessageOrigin origin{name, index, options.campaign_header, year};
    UnitOutcome out = read_message(bytes, origin, sink);
    tally.count(out.result, out.why.empty() ? std::string_view("unreadable message") : out.why, 0,
                index, 0);
}

void run_single_message(const std::string& name, int year, ByteSource& src, const InputOptions& options,
                        EventSink& sink, Tally& tally) {
    std::string bytes;
    char buf[64 * 1024];
    for (;;) {
        auto got = src.read(buf, sizeof buf);
        if (!got) {
            tally.count(UnitResult::failed, got.error(), 0, 1, src.position());
            return;
        }
        if (*got == 0) break;
        if (bytes.size() + *got > options.limits.max_message) {
            tally.count(UnitResult::failed, "message too large", 0, 1, 0);
            return;
        }
        bytes.append(buf, *got);
    }
    run_message(name, year, std::move(bytes), 1, options, sink, tally);
}

// An mbox separator line has the shape "From <sender> <asctime date>" (RFC 4155 appendix A):
// recognised without the blank line before it, which some writers leave out.
bool looks_like_separator(std::string_view t) {
    static constexpr std::string_view kDays[] = {" Mon ", " Tue ", " Wed ", " Thu ", " Fri ", " Sat ", " Sun "};
    bool day = false;
    for (auto d : kDays) day = day || t.find(d) != std::string_view::npos;
    if (!day) return false;
    std::size_t colon = t.find(':');
    return colon != std::string_view::npos && colon + 3 < t.size() && t[colon + 3] == ':';
}

// mbox (RFC 4155): a message starts at a "From " line at the start of the file or after an empty
// line; ">From " lines (mboxrd quoting of body lines) lose one '>'.
void run_mbox(const std::string& name, int year, ByteSource& src, const InputOptions& options,
              EventSink& sink, Tally& tally) {
    LineReader lines(src, options.limits.max_line);
    std::string msg;
    std::uint64_t index = 0;
    bool in_message = false, too_big = false, prev_blank = true;
    auto flush = [&] {
        if (!in_message) return;
        if (too_big) tally.count(UnitResult::failed, "message too large", 0, index, 0);
        else run_message(name, year, std::move(msg), index, options, sink, tally);
        msg.clear();
        too_big = false;
    };
    for (;;) {
        auto r = lines.next();
        if (r.status == LineReader::Status::end) break;
        if (r.status == LineReader::Status::error) {
            if (in_message) tally.count(UnitResult::failed, r.error, 0, index, r.offset);
            else tally.count(UnitResult::failed, r.error, 0, 0, r.offset);
            return;
        }
        if (r.status == LineReader::Status::too_long) {
            too_big = true;  // the message cannot be held whole; it fails as one unit
            if (!in_message) in_message = true, ++index;
            prev_blank = false;
            continue;
        }
        std::string_view t = r.text;
        if (t.starts_with("From ") && (prev_blank || looks_like_separator(t))) {
            flush();
            in_message = true;
            ++index;
            prev_blank = false;
            continue;
        }
        if (!in_message) {  // text before the first "From " line
            in_message = true;
            ++index;
        }
        if (t.starts_with(">")) {
            std::size_t k = t.find_first_not_of('>');
            if (k != std::string_view::npos && t.substr(k).starts_with("From ")) t.remove_prefix(1);
        }
        prev_blank = t.empty();
        if (too_big) continue;
        if (msg.size() + t.size() + 1 > options.limits.max_message) {
            too_big = true;
            std::string().swap(msg);
            continue;
        }
        msg.append(t);
        msg.push_back('\n');
    }
    flush();
}

// True when the line has no NUL and no byte above 0x7f, the common case for logs, instead of a
// memchr and a UTF-8 validation per line: sixteen bytes at a time with SSE2 (part of x86-64), else
// eight (a word has a zero byte when (x - 0x01..01) & ~x & 0x80..80 is non-zero).
bool plain_ascii(std::string_view t) {
    std::size_t i = 0;
#if defined(__SSE2__)
    if (t.size() >= 16) {
        // The last block overlaps the one before it rather than leaving a tail to do bytewise.
        const __m128i zero = _mm_setzero_si128();
        __m128i bad16 = zero;
        auto check = [&](std::size_t at) {
            __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + at));
            bad16 = _mm_or_si128(bad16, _mm_or_si128(x, _mm_cmpeq_epi8(x, zero)));
        };
        for (; i + 16 <= t.size(); i += 16) check(i);
        if (i < t.size()) check(t.size() - 16);
        return _mm_movemask_epi8(bad16) == 0;  // a high bit: a byte >= 0x80 or a NUL
    }
#endif
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    std::uint64_t bad = 0;
    for (; i + 8 <= t.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, t.data() + i, 8);
        bad |= (x & kHigh) | ((x - kOnes) & ~x & kHigh);
    }
    for (; i < t.size(); ++i) {
        auto c = static_cast<unsigned char>(t[i]);
        bad |= (c == 0 || c >= 0x80) ? 1 : 0;
    }
    return bad == 0;
}

void run_log(const Format& format, const std::string& name, int year, ByteSource& src,
             const InputOptions& options, EventSink& sink, Tally& tally) {
    ReaderConfig config{name, year};
    auto parser = format.make(config);
    LineReader lines(src, options.limits.max_line);
    std::uint64_t lines_read = 0;
    for (;;) {
        auto r = lines.next();
        if (r.status == LineReader::Status::end) break;
        lines_read = r.number;
        if (r.status == LineReader::Status::error) {
            tally.count(UnitResult::failed, r.error, r.number, 0, r.offset);
            break;
        }
        if (r.status == LineReader::Status::too_long) {
            tally.count(UnitResult::failed, "line too long", r.number, 0, r.offset);
            continue;
        }
        std::string_view t = r.text;
        if (r.number == 1 && t.starts_with("\xEF\xBB\xBF")) t.remove_prefix(3);  // UTF-8 BOM
        if (!plain_ascii(t)) {
            if (std::memchr(t.data(), '\0', t.size()) != nullptr) {
                tally.count(UnitResult::failed, "binary data", r.number, 0, r.offset);
                continue;
            }
            if (!simdjson::validate_utf8(t.data(), t.size())) {
                tally.count(UnitResult::failed, "invalid UTF-8", r.number, 0, r.offset);
                continue;
            }
        }
        if (t.empty()) {
            tally.count(UnitResult::skipped, "empty line", r.number, 0, r.offset);
            continue;
        }
        LineResult res = parser->line(t, r.number, sink);
        if (res.pending) continue;
        tally.count(res.result, res.why, r.number, 0, r.offset);
    }
    LineResult last = parser->finish(sink);
    if (!last.pending) tally.count(last.result, last.why, lines_read, 0, 0);
}

}  // namespace

void read_source(const std::string& name, std::unique_ptr<ByteSource> src,
                 const std::string& forced_format, int default_year, const InputOptions& options,
                 EventSink& sink, InputCounts& counts) {
    Tally tally(name, options, sink, counts);
    auto head = read_head(*src);
    if (!head) {
        tally.count(UnitResult::failed, head.error(), 0, 0, 0);
        return;
    }
    if (is_gzip(*head)) {
        src = gunzip(with_prefix(std::move(*head), std::move(src)), options.limits.gzip);
        head = read_head(*src);
        if (!head) {
            tally.count(UnitResult::failed, head.error(), 0, 0, src->position());
            return;
        }
    }
    if (head->empty()) return;  // an empty input has no units
    // Binary: more than a few NUL bytes or mostly control characters. A stray NUL in an otherwise
    // textual bounce is read (and reported per line by the log readers).
    {
        std::size_t nuls = 0, controls = 0, first_nul = std::string::npos;
        for (std::size_t i = 0; i < head->size(); ++i) {
            unsigned char c = static_cast<unsigned char>((*head)[i]);
            if (c == 0 && nuls++ == 0) first_nul = i;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b) ++controls;
        }
        if (nuls > 4 || controls * 10 > head->size()) {
            tally.count(UnitResult::failed, "binary file", 0, 0,
                        first_nul == std::string::npos ? 0 : first_nul);
            return;
        }
    }
    // Classic Mac line ends (CR only): turn them into LF before any line-based reading.
    if (head->find('\r') != std::string::npos && head->find('\n') == std::string::npos) {
        src = lone_cr_to_lf(with_prefix(std::move(*head), std::move(src)));
        head = read_head(*src);
        if (!head) {
            tally.count(UnitResult::failed, head.error(), 0, 0, src->position());
            return;
        }
    }
    const Format* format = nullptr;
    if (!forced_format.empty()) {
        format = find_format(forced_format);
        if (format == nullptr) {
            tally.count(UnitResult::failed, "unknown format", 0, 0, 0);
            return;
        }
    } else {
        format = detect_format(*head);
        if (format == nullptr) {
            tally.count(UnitResult::failed, "unrecognised input format (try --format)", 0, 0, 0);
            return;
        }
    }
    auto rest = with_prefix(std::move(*head), std::move(src));
    switch (format->kind) {
        case InputKind::message: run_single_message(name, default_year, *rest, options, sink, tally); break;
        case InputKind::mailbox: run_mbox(name, default_year, *rest, options, sink, tally); break;
        case InputKind::log: run_log(*format, name, default_year, *rest, options, sink, tally); break;
    }
}

void read_input(const InputSpec& spec, const InputOptions& options, EventSink& sink,
                InputCounts& counts) {
    auto src = open_source(spec.path);
    if (!src) {
        Tally tally(spec.path, options, sink, counts);
        tally.count(UnitResult::failed, src.error(), 0, 0, 0);
        return;
    }
    read_source(spec.path, std::move(*src), spec.forced_format, year_of(spec.path), options, sink,
                counts);
}

}  // namespace mxt
