// c-ares driver: queries go out through ares_query and an event loop on poll(); answers are read
// by a small RFC 1035 4.1 walker because c-ares 1.18 (Debian 12) has no generic record API and its
// per-type parsers drop the rcode and mishandle PTR answers without an address.
#include "audit/dns.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>

namespace mxt::audit {

std::string_view to_string(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::nodata: return "no record";
        case DnsStatus::nxdomain: return "no such domain";
        case DnsStatus::timeout: return "timeout";
        case DnsStatus::servfail: return "SERVFAIL";
        case DnsStatus::refused: return "REFUSED";
        case DnsStatus::error: return "DNS error";
    }
    return "?";
}

std::string_view to_string(DnsType t) {
    switch (t) {
        case DnsType::A: return "A";
        case DnsType::CNAME: return "CNAME";
        case DnsType::PTR: return "PTR";
        case DnsType::MX: return "MX";
        case DnsType::TXT: return "TXT";
        case DnsType::AAAA: return "AAAA";
        case DnsType::SPF: return "SPF";
    }
    return "?";
}

namespace {

std::uint16_t get16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t get32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
           static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

// Expands a possibly compressed name at `p`; returns false when malformed.
bool expand(const unsigned char* p, const unsigned char* buf, int len, std::string& out, long& used) {
    char* name = nullptr;
    if (ares_expand_name(p, buf, len, &name, &used) != ARES_SUCCESS) return false;
    out = name;
    ares_free_string(name);
    return true;
}

}  // namespace

DnsAnswer parse_dns_response(const unsigned char* buf, int len, DnsType type) {
    DnsAnswer a;
    if (buf == nullptr || len < 12) {
        a.status = DnsStatus::error;
        a.detail = "short DNS response";
        return a;
    }
    int rcode = buf[3] & 0x0f;
    int qd = get16(buf + 4), an = get16(buf + 6);
    const unsigned char* p = buf + 12;
    const unsigned char* end = buf + len;
    std::string name;
    long used = 0;
    for (int i = 0; i < qd; ++i) {
        if (!expand(p, buf, len, name, used) || p + used + 4 > end) {
            a.detail = "malformed question";
            return a;
        }
        p += used + 4;
    }
    bool first_ttl = true;
    for (int i = 0; i < an; ++i) {
        if (!expand(p, buf, len, name, used) || p + used + 10 > end) {
            a.detail = "malformed answer";
            return a;
        }
        p += used;
        std::uint16_t rtype = get16(p), rclass = get16(p + 2);
        std::uint32_t ttl = get32(p + 4);
        std::uint16_t rdlen = get16(p + 8);
        p += 10;
        if (p + rdlen > end) {
            a.detail = "truncated record";
            return a;
        }
        const unsigned char* rd = p;
        p += rdlen;
        if (rclass == 1 && rtype == 5 && type != DnsType::CNAME) {
            expand(rd, buf, len, a.cname, used);
            continue;
        }
        if (rclass != 1 || rtype != static_cast<std::uint16_t>(type)) continue;
        if (first_ttl || ttl < a.ttl) a.ttl = ttl;
        first_ttl = false;
        switch (type) {
            case DnsType::A:
                if (rdlen == 4) {
                    IpAddress ip;
                    std::copy(rd, rd + 4, ip.bytes.begin());
                    a.addresses.push_back(ip);
                }
                break;
            case DnsType::AAAA:
                if (rdlen == 16) {
                    IpAddress ip;
                    ip.v6 = true;
                    std::copy(rd, rd + 16, ip.bytes.begin());
                    a.addresses.push_back(ip);
                }
                break;
            case DnsType::TXT:
            case DnsType::SPF: {
                // RFC 7208 3.3: the character-strings of one record are concatenated.
                std::string joined;
                const unsigned char* q = rd;
                while (q < rd + rdlen) {
                    int n = *q++;
                    if (q + n > rd + rdlen) break;
                    joined.append(reinterpret_cast<const char*>(q), n);
                    q += n;
                }
                a.txt.push_back(std::move(joined));
                break;
            }
            case DnsType::MX: {
                if (rdlen < 3) break;
                MxRecord mx;
                mx.preference = get16(rd);
                if (expand(rd + 2, buf, len, mx.host, used)) a.mx.push_back(std::move(mx));
                break;
            }
            case DnsType::PTR:
            case DnsType::CNAME: {
                std::string target;
                if (expand(rd, buf, len, target, used)) a.names.push_back(std::move(target));
                break;
            }
        }
    }
    bool any = !a.txt.empty() || !a.addresses.empty() || !a.mx.empty() || !a.names.empty();
    if (any) a.cname.clear();
    any = !a.txt.empty() || !a.addresses.empty() || !a.mx.empty() || !a.names.empty();
    if (rcode == 3)
        a.status = DnsStatus::nxdomain;
    else if (rcode == 2)
        a.status = DnsStatus::servfail;
    else if (rcode == 5)
        a.status = DnsStatus::refused;
    else if (rcode != 0)
        a.status = DnsStatus::error;
    else
        a.status = any ? DnsStatus::ok : DnsStatus::nodata;
    return a;
}

struct Resolver::Impl {
    ares_channel channel = nullptr;
    ~Impl() {
        if (channel) ares_destroy(channel);
    }
};

namespace {

struct Pending {
    DnsType type;
    DnsAnswer* out;
    bool* done;
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    auto* p = static_cast<Pending*>(arg);
    DnsAnswer& a = *p->out;
    switch (status) {
        case ARES_SUCCESS:
        case ARES_ENODATA:
        case ARES_ENOTFOUND:
            if (abuf) {
                a = parse_dns_response(abuf, alen, p->type);
            } else {
                a.status = status == ARES_ENOTFOUND ? DnsStatus::nxdomain : DnsStatus::nodata;
            }
            break;
        case ARES_ETIMEOUT: a.status = DnsStatus::timeout; break;
        case ARES_ESERVFAIL: a.status = DnsStatus::servfail; break;
        case ARES_EREFUSED: a.status = DnsStatus::refused; break;
        default: a.status = DnsStatus::error; break;
    }
    if (a.failed() && a.detail.empty()) a.detail = ares_strerror(status);
    *p->done = true;
    delete p;
}

// Runs the c-ares event loop until `finished()` says so or nothing is pending.
template <typename F>
void run_loop(ares_channel ch, F finished) {
    while (!finished()) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int mask = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        pollfd fds[ARES_GETSOCK_MAXNUM];
        int n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
            short ev = 0;
            if (ARES_GETSOCK_READABLE(mask, i)) ev |= POLLIN;
            if (ARES_GETSOCK_WRITABLE(mask, i)) ev |= POLLOUT;
            if (!ev) continue;
            fds[n].fd = socks[i];
            fds[n].events = ev;
            fds[n].revents = 0;
            ++n;
        }
        timeval tv{}, maxtv{1, 0};
        timeval* tvp = ares_timeout(ch, &maxtv, &tv);
        int ms = static_cast<int>(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
        if (n == 0 && ms == 1000 && finished()) break;
        int r = poll(fds, static_cast<nfds_t>(n), ms);
        if (r <= 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (int i = 0; i < n; ++i) {
            ares_socket_t rd = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
            ares_socket_t wr = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
            if (rd != ARES_SOCKET_BAD || wr != ARES_SOCKET_BAD) ares_process_fd(ch, rd, wr);
        }
    }
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

Resolver::Resolver(std::unique_ptr<Impl> impl, ResolverOptions opts)
    : impl_(std::move(impl)), opts_(std::move(opts)) {}

Resolver::~Resolver() = default;

std::expected<std::unique_ptr<Resolver>, std::string> Resolver::create(const ResolverOptions& opts) {
    static std::once_flag once;
    static int lib_status = ARES_SUCCESS;
    std::call_once(once, [] { lib_status = ares_library_init(ARES_LIB_INIT_ALL); });
    if (lib_status != ARES_SUCCESS) return std::unexpected(std::string("c-ares: ") + ares_strerror(lib_status));

    auto impl = std::make_unique<Impl>();
    ares_options o{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ;
    // No search list and no hosts file: the audit asks exactly the names it builds. NOCHECKRESP
    // hands SERVFAIL and REFUSED answers to us, so they are reported as such rather than as
    // "could not contact DNS servers".
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
    o.timeout = std::max(1, opts.timeout_ms);
    o.tries = std::max(1, opts.tries);
    o.ednspsz = 1232;
    char lookups[] = "b";
    o.lookups = lookups;
    mask |= ARES_OPT_LOOKUPS;
    int st = ares_init_options(&impl->channel, &o, mask);
    if (st != ARES_SUCCESS) return std::unexpected(std::string("c-ares: ") + ares_strerror(st));
    if (!opts.server.empty()) {
        std::string csv = opts.server;
        // "HOST:PORT" with an IPv6 host must be written "[HOST]:PORT" for c-ares.
        if (std::count(csv.begin(), csv.end(), ':') > 1 && csv.front() != '[') csv = "[" + csv + "]";
        st = ares_set_servers_ports_csv(impl->channel, csv.c_str());
        if (st != ARES_SUCCESS)
            return std::unexpected("bad DNS server '" + opts.server + "': " + ares_strerror(st));
    }
    return std::unique_ptr<Resolver>(new Resolver(std::move(impl), opts));
}

DnsAnswer Resolver::query(const std::string& name, DnsType type) {
    DnsQuestion q{name, type};
    DnsAnswer a = query_all(std::span<const DnsQuestion>(&q, 1)).front();
    // A server that answers with a bare alias (an authoritative server whose CNAME points out of
    // its zone) leaves the chase to us, as a recursive resolver would do it (RFC 1034 3.6.2).
    for (int hop = 0; hop < 8 && a.status == DnsStatus::nodata && !a.cname.empty(); ++hop) {
        DnsQuestion next{a.cname, type};
        a = query_all(std::span<const DnsQuestion>(&next, 1)).front();
    }
    if (a.status == DnsStatus::nodata && !a.cname.empty()) {
        a.status = DnsStatus::error;
        a.detail = "CNAME chain too long or looping";
    }
    return a;
}

std::vector<DnsAnswer> Resolver::query_all(std::span<const DnsQuestion> questions) {
    std::vector<DnsAnswer> out(questions.size());
    std::deque<bool> done(questions.size(), false);
    std::size_t next = 0, in_flight = 0, finished = 0;
    std::vector<std::size_t> started;
    auto launch = [&](std::size_t i) {
        const auto& q = questions[i];
        auto key = std::make_pair(lower(q.name), q.type);
        if (opts_.cache) {
            if (auto it = cache_.find(key); it != cache_.end()) {
                out[i] = it->second;
                done[i] = true;
                ++finished;
                return;
            }
        }
        ++sent_;
        ++in_flight;
        started.push_back(i);
        ares_query(impl_->channel, key.first.empty() ? "." : key.first.c_str(), ns_c_in,
                   static_cast<int>(q.type), on_answer, new Pending{q.type, &out[i], &done[i]});
    };
    auto settle = [&] {
        // Count completed queries, cache them, and top the window up.
        for (auto it = started.begin(); it != started.end();) {
            if (done[*it]) {
                --in_flight;
                ++finished;
                const auto& q = questions[*it];
                // Failures are not cached: a retry later in the run may succeed.
                if (opts_.cache && !out[*it].failed()) cache_[{lower(q.name), q.type}] = out[*it];
                it = started.erase(it);
            } else {
                ++it;
            }
        }
        while (next < questions.size() && in_flight < static_cast<std::size_t>(std::max(1, opts_.max_in_flight)))
            launch(next++);
    };
    settle();
    while (finished < questions.size()) {
        run_loop(impl_->channel, [&] {
            for (auto i : started)
                if (done[i]) return true;
            return started.empty();
        });
        settle();
    }
    return out;
}

}  // namespace mxt::audit
