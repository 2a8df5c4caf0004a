// The JSON form of a delivery event with its diagnosis (docs/diagnose-json.md), and of the closing
// summary: shared by `diagnose --json` and any command that prints events (triage, serve).
#pragma once

#include <string>

#include "ingest/event.hpp"
#include "ingest/sink.hpp"
#include "util/json_writer.hpp"

namespace mxt {

// Writes one event object (not a line: no trailing newline).
void write_event_json(JsonWriter& w, const DeliveryEvent& e);
// {"type":"summary","read":..,"parsed":..,"skipped":{..},"failed":{..},"events":..}
void write_summary_json(JsonWriter& w, const InputCounts& c);

// Convenience: one JSON Lines line with its '\n'.
std::string event_json_line(const DeliveryEvent& e);
std::string summary_json_line(const InputCounts& c);

}  // namespace mxt
