// Byte sources the readers pull from in chunks: a file or stdin, optionally inflated through zlib.
// Streaming keeps memory bounded whatever the input size; the gzip source refuses "gzip bombs"
// (a tiny file that inflates to gigabytes) by bounding the decompressed/compressed ratio and the
// decompressed total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace mxt {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Reads up to `n` bytes into `buf`; 0 means end of input. An error is a short reason.
    virtual std::expected<std::size_t, std::string> read(char* buf, std::size_t n) = 0;
    // Bytes handed out so far (decompressed bytes for a gzip source): the offset for problems.
    std::uint64_t position() const { return position_; }

protected:
    std::uint64_t position_ = 0;
};

// Opens `path` for reading; "-" is stdin. The error names the OS reason ("Permission denied").
std::expected<std::unique_ptr<ByteSource>, std::string> open_source(const std::string& path);

// A source that first replays `prefix` (bytes already read to sniff the input) and then continues
// with `inner`.
std::unique_ptr<ByteSource> with_prefix(std::string prefix, std::unique_ptr<ByteSource> inner);

// A source that turns classic Mac line ends (a CR not followed by LF) into LF, so that every
// line-based reader sees LF or CRLF only. A CR at the end of one chunk is held back until the next
// byte is known.
std::unique_ptr<ByteSource> lone_cr_to_lf(std::unique_ptr<ByteSource> inner);

// A source over bytes in memory (tests, and messages already split out of a container).
std::unique_ptr<ByteSource> memory_source(std::string bytes);

struct GzipLimits {
    // Real logs compress 5-30x, very repetitive ones up to ~100x; deflate tops out near 1032x,
    // which only a bomb (long runs of one byte) reaches. The ratio is checked only once the output
    // passes `ratio_grace` so that small, highly compressible inputs are not refused.
    std::uint64_t max_ratio = 250;
    std::uint64_t ratio_grace = 8u << 20;
    std::uint64_t max_total = 64ull << 30;  // 64 GiB decompressed per input
};

// True when `head` starts with the gzip magic bytes (RFC 1952 section 2.3.1: 1f 8b).
bool is_gzip(std::string_view head);

// Inflates a gzip stream (RFC 1952; concatenated members are read in turn).
std::unique_ptr<ByteSource> gunzip(std::unique_ptr<ByteSource> inner, GzipLimits limits = {});

}  // namespace mxt
