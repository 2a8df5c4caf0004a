// The next steps of each verdict, in plain words, adapted to the provider where its tools differ.
#pragma once

#include <string>
#include <vector>

namespace mxt::triage {

std::vector<std::string> steps_for(const std::string& kind, const std::string& provider,
                                   const std::vector<std::string>& blocklists);

// A provider id as people say it: "google" -> "Gmail", "microsoft" -> "Microsoft (Outlook)".
std::string provider_label(const std::string& provider);

}  // namespace mxt::triage
