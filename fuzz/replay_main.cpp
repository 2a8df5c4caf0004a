// Replays inputs through a fuzz target without libFuzzer: every regular file of the directories
// (or the files) named on the command line is read and passed to LLVMFuzzerTestOneInput once.
// Linked with each target in the normal GCC build (ASan+UBSan under MXT_SANITIZE) and run by ctest
// as fuzz.<target> over fuzz/corpus/<target>/, so every seed and every past crash input is
// re-checked on each test run. Exits 0 when all inputs ran; a finding aborts the process (the
// sanitizer or the target's invariant check), which ctest reports with the output.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional, as in libFuzzer: one-time set-up of a target (loading the shipped rules).
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        std::error_code ec;
        fs::path p(argv[i]);
        if (fs::is_directory(p, ec)) {
            for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
                if (it->is_regular_file(ec) && it->path().filename() != "README.md") files.push_back(it->path());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        }
        if (ec) {
            std::fprintf(stderr, "replay: %s: %s\n", argv[i], ec.message().c_str());
            return 2;
        }
    }
    std::sort(files.begin(), files.end());  // a stable order makes a failure easy to reproduce
    if (files.empty()) {
        std::fprintf(stderr, "replay: no input files found\n");
        return 2;
    }
    std::size_t bytes = 0, rejected = 0;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "replay: %s: cannot read\n", f.c_str());
            return 2;
        }
        std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Copy into an exactly sized heap block so that ASan sees reads past the end.
        auto* data = new std::uint8_t[buf.size() ? buf.size() : 1];
        std::copy(buf.begin(), buf.end(), data);
        std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), buf.size());
        // -1 means "do not add to the corpus" (too large for the target); it still ran.
        if (LLVMFuzzerTestOneInput(data, buf.size()) == -1) ++rejected;
        delete[] data;
        bytes += buf.size();
    }
    std::printf("replay: %zu inputs, %zu bytes, %zu set aside by the target as too large\n", files.size(), bytes,
                rejected);
    return 0;
}
