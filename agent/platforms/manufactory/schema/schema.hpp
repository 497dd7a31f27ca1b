#pragma once
// A project's actors and events schemas, as the collector answers
// GET /actors/schema/{org}/{project} and GET /events/schema/{org}/{project}:
//   {"attributes":[{"name","display_name","data_type"}...],"unique_id":...}
// Names are compared against `name` (snake_case), types case-insensitively.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/platforms/manufactory/schema/data_type.hpp"

namespace mf::manufactory {

struct SchemaAttribute {
  std::string name;
  DataType type;
};

struct Schema {
  std::vector<SchemaAttribute> attributes;  // sorted by name
  std::string unique_id;                    // actors: the attribute that identifies a profile
  std::vector<std::string> notes;           // what the answer held that could not be used (warned about, not refused)

  const SchemaAttribute* find(std::string_view name) const;
};

struct Schemas {
  Schema actors;
  Schema events;
};

// One collector answer; `what` ("actors schema") starts the errors.
Expected<Schema> parse_schema(std::string_view json_text, std::string_view what);
// A schema file (schema.file) and the kept copy: {"actors":<answer>,"events":<answer>}.
Expected<Schemas> parse_schemas(std::string_view json_text);
// The kept copy: both answers again, and when they were fetched (ms since the epoch).
std::string schemas_json(const Schemas& schemas, std::int64_t fetched_at_ms);
std::optional<std::int64_t> fetched_at_ms(std::string_view kept_json);

}  // namespace mf::manufactory
