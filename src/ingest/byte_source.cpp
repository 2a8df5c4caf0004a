// File, memory, prefix and gzip byte sources (byte_source.hpp). Plain POSIX read(2) for files:
// the readers do their own buffering, so stdio's would only add a copy.
#include "ingest/byte_source.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mxt {
namespace {

class FdSource final : public ByteSource {
public:
    FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
    ~FdSource() override {
        if (owned_) ::close(fd_);
    }
    std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
        for (;;) {
            ssize_t got = ::read(fd_, buf, n);
            if (got >= 0) {
                position_ += static_cast<std::uint64_t>(got);
                return static_cast<std::size_t>(got);
            }
            if (errno == EINTR) continue;
            return std::unexpected(std::string("read error: ") + std::strerror(errno));
        }
    }

private:
    int fd_;
    bool owned_;
};

class PrefixSource final : public ByteSource {
public:
    PrefixSource(std::string prefix, std::unique_ptr<ByteSource> inner)
        : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
    std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
        if (used_ < prefix_.size()) {
            std::size_t k = std::min(n, prefix_.size() - used_);
            std::memcpy(buf, prefix_.data() + used_, k);
            used_ += k;
            position_ += k;
            if (used_ == prefix_.size()) {
                std::string().swap(prefix_);  // release the sniffed bytes
                used_ = 0;
            }
            return k;
        }
        if (!inner_) return 0;
        auto got = inner_->read(buf, n);
        if (got) position_ += *got;
        return got;
    }

private:
    std::string prefix_;
    std::unique_ptr<ByteSource> inner_;
    std::size_t used_ = 0;
};

class GzipSource final : public ByteSource {
public:
    GzipSource(std::unique_ptr<ByteSource> inner, GzipLimits limits)
        : inner_(std::move(inner)), limits_(limits), in_(64 * 1024) {
        std::memset(&z_, 0, sizeof z_);
        // 16 + MAX_WBITS: expect a gzip wrapper (zlib manual, inflateInit2).
        ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
    }
    ~GzipSource() override { inflateEnd(&z_); }

    // An error is sticky: every later read repeats it, so a reader that read past it (the head
    // sniffed for the format) meets it again at its place.
    std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
        if (!error_.empty()) return std::unexpected(error_);
        auto got = inflate_some(buf, n);
        if (!got) error_ = got.error();
        return got;
    }

private:
    std::expected<std::size_t, std::string> inflate_some(char* buf, std::size_t n) {
        if (!ok_) return std::unexpected(std::string("gzip: cannot initialise zlib"));
        if (finished_ || n == 0) return 0;
        z_.next_out = reinterpret_cast<Bytef*>(buf);
        z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        // A truncated or corrupt stream first hands out what it inflated before the damage; the
        // error (kept in error_) comes with the next read.
        auto fail = [&](std::string why) -> std::expected<std::size_t, std::string> {
            std::size_t produced = n - z_.avail_out;
            if (produced == 0) return std::unexpected(std::move(why));
            error_ = std::move(why);
            position_ += produced;
            return produced;
        };
        while (z_.avail_out > 0) {
            if (z_.avail_in == 0) {
                auto got = inner_->read(in_.data(), in_.size());
                if (!got) return fail(got.error());
                if (*got == 0) {
                    if (in_member_) return fail("gzip: truncated stream");
                    finished_ = true;
                    break;
                }
                compressed_ += *got;
                z_.next_in = reinterpret_cast<Bytef*>(in_.data());
                z_.avail_in = static_cast<uInt>(*got);
            }
            in_member_ = true;
            int rc = inflate(&z_, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                // RFC 1952 2.2: a gzip file may hold several members; read them in turn.
                in_member_ = false;
                inflateReset(&z_);
                continue;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                return fail(std::string("gzip: corrupt data (") + (z_.msg ? z_.msg : "inflate error") + ")");
            if (rc == Z_BUF_ERROR && z_.avail_in != 0) break;
        }
        std::size_t produced = n - z_.avail_out;
        position_ += produced;
        if (position_ > limits_.max_total)
            return std::unexpected("gzip: refused, decompresses to more than " +
                                   std::to_string(limits_.max_total >> 20) + " MiB");
        if (position_ > limits_.ratio_grace && position_ > compressed_ * limits_.max_ratio)
            return std::unexpected("gzip: refused, decompresses to more than " +
                                   std::to_string(limits_.max_ratio) +
                                   " times its compressed size (a gzip bomb?)");
        return produced;
    }

    std::unique_ptr<ByteSource> inner_;
    std::string error_;
    GzipLimits limits_;
    std::vector<char> in_;
    z_stream z_;
    bool ok_ = false;
    bool finished_ = false;
    bool in_member_ = false;
    std::uint64_t compressed_ = 0;
};

}  // namespace

std::expected<std::unique_ptr<ByteSource>, std::string> open_source(const std::string& path) {
    if (path == "-") return std::make_unique<FdSource>(STDIN_FILENO, false);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(std::string("cannot open: ") + std::strerror(errno));
    return std::make_unique<FdSource>(fd, true);
}

std::unique_ptr<ByteSource> with_prefix(std::string prefix, std::unique_ptr<ByteSource> inner) {
    return std::make_unique<PrefixSource>(std::move(prefix), std::move(inner));
}

std::unique_ptr<ByteSource> memory_source(std::string bytes) {
    return std::make_unique<PrefixSource>(std::move(bytes), nullptr);
}

bool is_gzip(std::string_view head) {
    return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
           static_cast<unsigned char>(head[1]) == 0x8b;
}

std::unique_ptr<ByteSource> gunzip(std::unique_ptr<ByteSource> inner, GzipLimits limits) {
    return std::make_unique<GzipSource>(std::move(inner), limits);
}

namespace {

class LoneCrSource final : public ByteSource {
public:
    explicit LoneCrSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}

    // Rewrites in place: every CR becomes LF, and the LF of a CRLF pair is dropped, also when the
    // pair straddles two chunks.
    std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
        for (;;) {
            auto got = inner_->read(buf, n);
            if (!got || *got == 0) return got;
            std::size_t w = 0;
            for (std::size_t r = 0; r < *got; ++r) {
                char c = buf[r];
                if (after_cr_ && c == '\n') {
                    after_cr_ = false;
                    continue;
                }
                after_cr_ = c == '\r';
                buf[w++] = after_cr_ ? '\n' : c;
            }
            position_ += w;
            if (w > 0) return w;  // a chunk that was one dropped LF: read on
        }
    }

private:
    std::unique_ptr<ByteSource> inner_;
    bool after_cr_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> lone_cr_to_lf(std::unique_ptr<ByteSource> inner) {
    return std::make_unique<LoneCrSource>(std::move(inner));
}

}  // namespace mxt
