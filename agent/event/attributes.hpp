#pragma once
// What the collector accepts as attributes (PROTOCOL.md "Names and types"):
// a JSON object whose names are lower-case letters, digits and '_', not
// starting with a digit. Values are any JSON; the collector checks them
// against the project's schema.
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/rapidjson.hpp"

namespace mf::event {

struct Limits {
  std::size_t max_bytes = 64 * 1024;
  int max_depth = 32;
};

bool is_valid_attribute_name(std::string_view name);

// Parses, validates and re-serializes compactly. `what` names the object in
// errors ("event", "actor"). The result is safe to splice into a message.
Expected<std::string> normalize_attributes(std::string_view json_text, std::string_view what, const Limits& limits);
// The same for a value already parsed within limits (no second parse).
Expected<std::string> normalize_attributes(const rapidjson::Value& value, std::string_view what);
// The checks alone: a non-empty object of valid names.
Status check_attributes(const rapidjson::Value& value, std::string_view what);

}  // namespace mf::event
