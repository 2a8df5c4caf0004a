// Replies per second through parse + template + provider + rule match, single thread, on a mix of
// real provider replies (tests/data/catalog): with repeats (the cache answers, as on a real log
// where a few templates dominate) and with every text distinct (every reply scanned by
// vectorscan). Run: build/bench/classify_bench (see docs/performance.md); with
// MXT_PROFILE_DISTINCT=N set it classifies N distinct replies once and exits, for callgrind.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "reply/reply.hpp"
#include "rules/classifier.hpp"

namespace {

struct Sample {
    std::string reply;
    std::string recipient;
};

// Catalog rows: smtp_code, enhanced_code, text (tab-separated, header first).
std::vector<Sample> load_mix() {
    std::vector<Sample> mix;
    std::ifstream in(std::string(MXT_TEST_DATA) + "/catalog/isp-rejections.tsv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        if (cols.size() < 5) continue;
        mix.push_back({cols[2] + " " + cols[3] + " " + cols[4], "someone@example.com"});
    }
    // Weight the everyday replies as a real log does: unknown users, full mailboxes, throttling.
    const char* common[] = {
        "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
        "552 5.2.2 Mailbox full",
        "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-7c3f1a2b3c4si123456a12.456 - gsmtp",
        "451 4.7.500 Server busy. Please try again later from [192.0.2.2]. (AS761)",
    };
    for (int k = 0; k < 8; ++k)
        for (const char* c : common) mix.push_back({c, "someone@gmail.com"});
    return mix;
}

std::shared_ptr<const mxt::Classifier> classifier() {
    static auto c = [] {
        auto loaded = mxt::Classifier::load({}, MXT_RULES_DIR);
        if (!loaded) {
            for (const auto& e : loaded.error()) fprintf(stderr, "%s\n", e.str().c_str());
            std::abort();
        }
        return *loaded;
    }();
    return c;
}

// Replace each IPv4 address's last octet with a varying number so that texts differ but their
// templates do not: what a real log looks like.
std::string vary_ip(const std::string& s, unsigned n) {
    std::string out = s;
    auto pos = out.find("203.0.113.");
    if (pos != std::string::npos) out.replace(pos, 13, "203.0.113." + std::to_string(n % 250));
    return out;
}

void BM_ClassifyRealisticMix(benchmark::State& state) {
    auto mix = load_mix();
    std::vector<std::string> inputs;
    for (unsigned i = 0; i < 4096; ++i) inputs.push_back(vary_ip(mix[i % mix.size()].reply, i));
    mxt::ClassifierSession session(classifier());
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& s = mix[i % mix.size()];
        auto d = session.classify(inputs[i % inputs.size()], {.recipient = s.recipient});
        benchmark::DoNotOptimize(d);
        ++i;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["cache_hit_rate"] =
        double(session.cache_hits()) / double(session.cache_hits() + session.cache_misses());
}
BENCHMARK(BM_ClassifyRealisticMix);

// Every text distinct: a unique word (letters only, so the template keeps it) per reply.
std::vector<std::string> distinct_inputs(std::size_t n) {
    auto mix = load_mix();
    std::vector<std::string> inputs;
    inputs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::string word;
        for (std::size_t v = i + 1; v; v /= 26) word.push_back(static_cast<char>('a' + v % 26));
        inputs.push_back(mix[i % mix.size()].reply + " ref" + word);
    }
    return inputs;
}

void BM_ClassifyAllDistinct(benchmark::State& state) {
    const std::size_t n = 1 << 18;
    auto inputs = distinct_inputs(n);
    mxt::ClassifierSession session(classifier());
    std::size_t i = 0;
    for (auto _ : state) {
        if (i == n) {
            state.PauseTiming();
            // Start over with a fresh cache so that every reply stays a miss.
            session.~ClassifierSession();
            new (&session) mxt::ClassifierSession(classifier());
            i = 0;
            state.ResumeTiming();
        }
        auto d = session.classify(inputs[i], {.recipient = "someone@example.com"});
        benchmark::DoNotOptimize(d);
        ++i;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["cache_hit_rate"] =
        double(session.cache_hits()) / double(session.cache_hits() + session.cache_misses() + 1);
}
BENCHMARK(BM_ClassifyAllDistinct);

void BM_ParseReply(benchmark::State& state) {
    auto mix = load_mix();
    std::size_t i = 0;
    for (auto _ : state) {
        auto r = mxt::parse_reply(mix[i++ % mix.size()].reply);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseReply);

// A fixed number of distinct replies, the same ones as BM_ClassifyAllDistinct, without the
// benchmark's timing loop: for instruction counts under callgrind, where a timed loop would run a
// different number of iterations each time (docs/performance.md).
void profile_distinct(std::size_t n) {
    auto inputs = distinct_inputs(n);
    mxt::ClassifierSession session(classifier());
    for (const auto& s : inputs) {
        auto d = session.classify(s, {.recipient = "someone@example.com"});
        benchmark::DoNotOptimize(d);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (const char* n = std::getenv("MXT_PROFILE_DISTINCT"); n && *n) {
        profile_distinct(std::strtoul(n, nullptr, 10));
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
