// Test helpers for the ingest readers: run a reader over text or a fixture file and collect what it
// produced (events, problems, counts) without the classifier.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/input.hpp"
#include "ingest/sink.hpp"

namespace mxt::test {

struct Collected : EventSink {
    std::vector<DeliveryEvent> events;
    std::vector<InputProblem> problems;
    InputCounts counts;
    void event(DeliveryEvent&& e) override {
        ++counts.events;
        events.push_back(std::move(e));
    }
    void problem(const InputProblem& p) override { problems.push_back(p); }
    const DeliveryEvent* find(std::string_view recipient) const {
        for (const auto& e : events)
            if (e.recipient == recipient) return &e;
        return nullptr;
    }
};

inline Collected read_text(const std::string& text, const std::string& format = "",
                           const std::string& name = "test.log", InputOptions options = {}) {
    Collected c;
    read_source(name, memory_source(text), format, 2025, options, c, c.counts);
    return c;
}

inline std::string data_path(const std::string& rel) { return std::string(MXT_TEST_DATA) + "/" + rel; }

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline Collected read_fixture(const std::string& rel, const std::string& format = "") {
    Collected c;
    InputSpec spec{data_path(rel), format};
    read_input(spec, InputOptions{}, c, c.counts);
    return c;
}

}  // namespace mxt::test
