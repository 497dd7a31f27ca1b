#pragma once
// Parsing text from outside (producers, the collector, the command line)
// with limits checked before RapidJSON sees it.
#include <cstddef>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/rapidjson.hpp"

namespace mf::json {

struct Limits {
  std::size_t max_bytes = 64 * 1024;
  int max_depth = 32;
};

// Size, nesting depth and number-literal sanity, in one linear pass that never
// recurses. Oversized exponents are refused here because RapidJSON 1.1.0
// mis-parses them (CVE-2024-38517).
Status check_limits(std::string_view text, const Limits& limits);

// check_limits, then an iterative parse that also rejects invalid UTF-8.
Expected<rapidjson::Document> parse_untrusted(std::string_view text, const Limits& limits);

std::string to_string(const rapidjson::Value& value);

// Name of the JSON type, for error messages ("an array", "a string", ...).
const char* describe_type(const rapidjson::Value& value);

// Member lookup without RapidJSON's asserting operator[].
const rapidjson::Value* find(const rapidjson::Value& object, std::string_view name);
const char* find_string(const rapidjson::Value& object, std::string_view name);

}  // namespace mf::json
