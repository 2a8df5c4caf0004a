// The JSON form of a diagnosis (docs/json-contract.md, "A diagnosis"), shared by `classify`,
// `diagnose` and `triage` so the names never drift apart.
#pragma once

#include "rules/diagnosis.hpp"
#include "util/json_writer.hpp"

namespace mxt {

// Writes the diagnosis fields into the object currently open in `w`.
void write_diagnosis_fields(JsonWriter& w, const Diagnosis& d);

}  // namespace mxt
