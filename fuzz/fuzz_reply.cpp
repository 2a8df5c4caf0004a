// Fuzz target: the SMTP reply parser (src/reply/reply.hpp) and the template maker
// (src/reply/template.hpp) on arbitrary bytes, as they arrive from logs and DSNs. Checks the
// documented guarantees besides memory safety: parsing never fails, enhanced codes that are
// reported present are in RFC 3463's ranges and print back to themselves, and a template stays
// within a small multiple of its input (the longest mask, "<n>" for one digit, is 3x).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "reply/reply.hpp"
#include "reply/template.hpp"

namespace {

void check_code(const mxt::EnhancedCode& c) {
    if (!c.present()) return;
    // RFC 3463 section 2: class 2, 4 or 5; subject and detail 1-3 digits.
    if (c.cls != 2 && c.cls != 4 && c.cls != 5) mxt::fuzz::invariant_failed("enhanced code class");
    if (c.subject < 0 || c.subject > 999 || c.detail < 0 || c.detail > 999)
        mxt::fuzz::invariant_failed("enhanced code subject/detail range");
    if (mxt::parse_enhanced_code(c.str()) != c) mxt::fuzz::invariant_failed("enhanced code round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    mxt::Reply r = mxt::parse_reply(raw);
    check_code(r.status);
    check_code(r.untrusted_status);
    if (r.basic_code != 0 && (r.basic_code < 100 || r.basic_code > 999))
        mxt::fuzz::invariant_failed("basic code is not three digits");
    if (r.text.size() > mxt::kMaxReplyBytes + 16)
        mxt::fuzz::invariant_failed("reply text exceeds the input limit");
    (void)r.reply_code();
    (void)mxt::find_stage(raw);
    check_code(mxt::parse_enhanced_code(raw));

    std::string t1 = mxt::make_template(r.text);
    if (t1.size() > r.text.size() * 3 + 16) mxt::fuzz::invariant_failed("template blew up");
    std::string t2;
    mxt::make_template(raw, t2);
    std::string t3 = mxt::make_template(t1);
    if (t3.size() > t1.size() * 4 + 16) mxt::fuzz::invariant_failed("template of a template blew up");
    return 0;
}
