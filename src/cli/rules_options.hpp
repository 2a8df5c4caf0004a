// The --rules option every classifying command shares, and loading the classifier from it with
// errors printed as "mxtriage: file:line: message".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rules/classifier.hpp"

namespace mxt::cli {

// Loads user rule files in front of the shipped ones; prints every error and returns nullptr on
// failure (the caller exits with status 2: bad configuration stops start-up).
std::shared_ptr<const Classifier> load_classifier(const std::vector<std::string>& user_files);

}  // namespace mxt::cli
