// Fuzz target: the bounce / MIME reader (src/ingest/mail/): read_message on the bytes as one
// e-mail message (DSN, ARF, auto-reply, the per-MTA bounce formats, MIME decoding through GMime),
// then classify_event on every event it produced, as the pipeline does. Checks besides memory
// safety: a skipped or failed message says why, no exception reaches read_message's catch-all
// (an "internal error" outcome is a reader bug hidden from the user), and the outcome's event
// count is the number of events delivered.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz_common.hpp"
#include "ingest/mail/message_reader.hpp"

// The shipped rules are compiled before the first input, so that their load time (seconds) is
// not charged to an input as a timeout.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    (void)mxt::fuzz::shipped_classifier();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)mxt::looks_like_message(bytes.substr(0, 4096));
    mxt::fuzz::CollectingSink sink;
    mxt::MessageOrigin origin{"fuzz.eml", 1, "X-Campaign"};
    mxt::UnitOutcome out = mxt::read_message(bytes, origin, sink);
    if (out.result != mxt::UnitResult::parsed && out.why.empty())
        mxt::fuzz::invariant_failed("a skipped or failed message without a reason");
    if (out.why.starts_with("internal error")) {
        std::fprintf(stderr, "read_message: %s\n", out.why.c_str());
        mxt::fuzz::invariant_failed("an exception escaped a mail reader");
    }
    if (out.events != sink.events.size()) mxt::fuzz::invariant_failed("outcome.events differs from events delivered");
    mxt::fuzz::classify_all(sink.events);
    return 0;
}
