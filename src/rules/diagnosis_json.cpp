// See diagnosis_json.hpp.
#include "rules/diagnosis_json.hpp"

namespace mxt {

void write_diagnosis_fields(JsonWriter& w, const Diagnosis& d) {
    w.field("category", to_string(d.category));
    w.field("reason", d.reason);
    w.field("action", to_string(d.action));
    w.field("hard_bounce", d.hard_bounce);
    w.field("permanent", d.permanent);
    w.field("provider", d.provider);
    w.field_or_null("provider_detail", d.provider_detail);
    w.field_or_null("rule", d.rule);
    w.key("blocklist");
    if (d.blocklist.present()) {
        w.begin_object();
        w.field("name", d.blocklist.name);
        w.field("zone", d.blocklist.zone);
        w.field_or_null("delist_url", d.blocklist.delist_url);
        w.end_object();
    } else {
        w.null();
    }
    w.field_or_null("listed_ip", d.listed_ip);
    w.field_or_null("block_id", d.block_id);
    w.field("template", d.template_text);
    w.field("explanation", d.explanation);
    w.field("fix", d.fix);
    w.field_or_null("url", d.url);
}

}  // namespace mxt
