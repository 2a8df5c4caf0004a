// Normalises a reply text into a template: variable parts (IP addresses, e-mail addresses, ids,
// hashes, numbers, URLs' query strings) masked so that replies differing only in them group
// together. Used for triage's template table and as the classifier's cache key.
#pragma once

#include <string>
#include <string_view>

namespace mxt {

// Writes the template of `text` into `out` (cleared first). Lower-cases nothing: the template is
// shown to people. Masks: IPv4/IPv6 -> "<ip>", addresses -> "<email>", tokens with digits and
// letters of length >= 8 (queue ids, hashes, Google's request ids) -> "<id>", digit runs -> "<n>"
// except in enhanced codes and provider tags kept as written (TS02, S3150, AS(1234) keep their
// digits because they carry meaning). Runs of white space collapse to one space.
void make_template(std::string_view text, std::string& out);
std::string make_template(std::string_view text);

}  // namespace mxt
