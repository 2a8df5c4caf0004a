// See rules_options.hpp.
#include "cli/rules_options.hpp"

#include "cli/command.hpp"

namespace mxt::cli {

std::shared_ptr<const Classifier> load_classifier(const std::vector<std::string>& user_files) {
    auto loaded = Classifier::load(user_files, Classifier::default_rules_dir());
    if (!loaded) {
        for (const auto& e : loaded.error()) error(e.str());
        return nullptr;
    }
    return *loaded;
}

}  // namespace mxt::cli
