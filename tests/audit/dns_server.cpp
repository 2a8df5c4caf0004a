// Starts and stops unbound for a test: writes a config into a fresh temporary directory, spawns
// `unbound -d`, waits until it answers, and kills it (by its own pid) when the fixture goes away.
#include "dns_server.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/dns.hpp"

extern char** environ;

namespace mxt::audit::testing {
namespace {

std::string find_unbound() {
    for (const char* dir : {"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"}) {
        std::string p = std::string(dir) + "/unbound";
        if (access(p.c_str(), X_OK) == 0) return p;
    }
    return {};
}

// A port free for both UDP and TCP on 127.0.0.1, chosen by the kernel.
int free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
        int u = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(u);
            continue;
        }
        socklen_t len = sizeof a;
        getsockname(u, reinterpret_cast<sockaddr*>(&a), &len);
        int port = ntohs(a.sin_port);
        int t = socket(AF_INET, SOCK_STREAM, 0);
        int ok = bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a);
        close(t);
        close(u);
        if (ok == 0 && port > 1024) return port;
    }
    return 0;
}

std::string zone_name(std::string z) {
    if (z.empty() || z.back() != '.') z += '.';
    return z;
}

}  // namespace

std::string zone_name_escape(std::string_view name) {
    std::string out;
    for (unsigned char c : name) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*')
            out += static_cast<char>(c);
        else
            out += fmt::format("\\{:03d}", c);
    }
    return out;
}

std::string txt_rdata(const std::vector<std::string>& strings) {
    std::string out;
    auto one = [&](std::string_view s) {
        if (!out.empty()) out += ' ';
        out += '"';
        for (unsigned char c : s) {
            if (c == '"' || c == '\\')
                out += fmt::format("\\{}", static_cast<char>(c));
            else if (c < 0x20 || c > 0x7e || c == '\'' || c == ';')
                out += fmt::format("\\{:03d}", c);
            else
                out += static_cast<char>(c);
        }
        out += '"';
    };
    if (strings.empty()) one("");
    for (const auto& s : strings) {
        if (s.empty()) one("");
        for (std::size_t i = 0; i < s.size(); i += 255) one(std::string_view(s).substr(i, 255));
    }
    return out;
}

std::expected<DnsServer, std::string> DnsServer::start(const ZoneData& zone) {
    std::string unbound = find_unbound();
    if (unbound.empty()) return std::unexpected(std::string("unbound is not installed (apt-get install unbound)"));
    char tmpl[] = "/tmp/mxt-unbound-XXXXXX";
    if (!mkdtemp(tmpl)) return std::unexpected(std::string("mkdtemp failed"));
    DnsServer s;
    s.dir_ = tmpl;
    s.port_ = free_port();
    if (s.port_ == 0) return std::unexpected(std::string("no free port"));
    std::string conf = s.dir_ + "/unbound.conf";
    {
        std::ofstream f(conf);
        f << "server:\n"
          << "  interface: 127.0.0.1\n"
          << "  port: " << s.port_ << "\n"
          << "  do-ip6: no\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n"
          << "  directory: \"" << s.dir_ << "\"\n  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n"
          << "  verbosity: 0\n  num-threads: 1\n  module-config: \"iterator\"\n"
          << "  do-not-query-localhost: yes\n  so-reuseport: no\n"
          << "  outgoing-range: 16\n  incoming-num-tcp: 10\n  outgoing-num-tcp: 0\n"
          << "  msg-cache-size: 1m\n  rrset-cache-size: 1m\n  key-cache-size: 1m\n  neg-cache-size: 1m\n"
          << "  local-zone: \".\" static\n";
        for (auto& z : zone.timeout) f << "  local-zone: \"" << zone_name(z) << "\" deny\n";
        for (auto& z : zone.static_zones) f << "  local-zone: \"" << zone_name(z) << "\" static\n";
        for (auto& z : zone.refused) f << "  local-zone: \"" << zone_name(z) << "\" refuse\n";
        for (auto& r : zone.records) f << "  local-data: '" << r << "'\n";
        // A name only this server knows, so readiness is never confused with another test's server.
        f << "  local-data: 'ready-" << getpid() << "-" << s.port_ << ".mxt-test. A 127.0.0.1'\n";
        f << "remote-control:\n  control-enable: no\n";
    }
    std::string log = s.dir_ + "/unbound.log";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args{unbound, "-d", "-p", "-c", conf};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&s.pid_, unbound.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return std::unexpected(fmt::format("cannot start unbound: {}", std::strerror(rc)));

    // Ready when it answers the name only it serves.
    std::string ready = "ready-" + std::to_string(getpid()) + "-" + std::to_string(s.port_) + ".mxt-test.";
    auto resolver = Resolver::create({.server = s.address(), .timeout_ms = 100, .tries = 1, .cache = false});
    if (!resolver) return std::unexpected(resolver.error());
    for (int i = 0; i < 100; ++i) {
        int status = 0;
        if (waitpid(s.pid_, &status, WNOHANG) == s.pid_) {
            s.pid_ = -1;
            std::ifstream in(log);
            std::string text((std::istreambuf_iterator<char>(in)), {});
            return std::unexpected("unbound exited: " + text);
        }
        auto a = (*resolver)->query(ready, DnsType::A);
        if (a.status == DnsStatus::ok) return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::unexpected(std::string("unbound did not answer within 5 s"));
}

DnsServer::DnsServer(DnsServer&& o) noexcept : pid_(o.pid_), port_(o.port_), dir_(std::move(o.dir_)) {
    o.pid_ = -1;
    o.dir_.clear();
}

DnsServer::~DnsServer() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
    }
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

}  // namespace mxt::audit::testing
