// Helpers shared by the store tests: a fresh database file per test and event builders.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "ingest/event.hpp"

namespace mxt::test {

// A directory under the system temp dir, removed when the object goes.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mxt-store-XXXXXX").string();
        path_ = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline DeliveryEvent rejection(std::string recipient, Category c, std::string code,
                               std::string status, std::string text, std::int64_t t = 1767225600,
                               Outcome o = Outcome::bounced) {
    DeliveryEvent e;
    e.source = "test.log";
    e.recipient = std::move(recipient);
    e.reply_code = std::move(code);
    e.status = std::move(status);
    e.text = std::move(text);
    e.outcome = o;
    e.stage = Stage::rcpt;
    e.unix_time = t;
    e.diagnosis.category = c;
    e.diagnosis.permanent = e.reply_code.starts_with("5");
    return e;
}

}  // namespace mxt::test
