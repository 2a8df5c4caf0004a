// Fuzz target: the rule loader (src/rules/loader.cpp) and compiler (classifier.cpp) on an
// arbitrary rule file. The bytes are written to a temporary file (the loader reads files, as
// `mxtriage rules check` and --rules do) and loaded alone; a table that loads is then used once,
// so that compiled patterns and provider indexes are exercised too. A file that does not load
// must come back as errors with a message, never as a crash or an exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "rules/classifier.hpp"

namespace {

// Unique per process: replays run in parallel under ctest -j2.
const std::string& temp_path() {
    static const std::string p = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/mxt-fuzz-rules-" + std::to_string(::getpid()) + ".toml";
    }();
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A rule file is a few KB of hand-written TOML; larger inputs only slow the fuzzer down.
    if (size > 64 * 1024) return -1;
    const std::string& path = temp_path();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) mxt::fuzz::invariant_failed("cannot write the temporary rule file");
    if (size != 0 && std::fwrite(data, 1, size, f) != size) mxt::fuzz::invariant_failed("short write");
    std::fclose(f);

    auto loaded = mxt::Classifier::load({path}, "");
    std::remove(path.c_str());
    if (!loaded) {
        if (loaded.error().empty()) mxt::fuzz::invariant_failed("load failed without an error");
        for (const auto& e : loaded.error()) {
            if (e.message.empty()) mxt::fuzz::invariant_failed("load error without a message");
            (void)e.str();
        }
        return 0;
    }
    mxt::ClassifierSession session(*loaded);
    mxt::ReplyContext ctx{.recipient = "user@gmail.com", .remote_host = "mx.example.net"};
    for (const char* reply : {"550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org",
                              "421 4.7.0 [TSS04] Messages temporarily deferred", "250 2.0.0 OK", ""}) {
        mxt::Diagnosis d = session.classify(reply, ctx);
        if (d.reason.empty()) mxt::fuzz::invariant_failed("diagnosis without a reason");
    }
    mxt::Diagnosis d;
    session.identify_provider(ctx, d);
    return 0;
}
