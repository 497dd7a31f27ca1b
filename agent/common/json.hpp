#pragma once
// Parsing text from outside (producers, the collector, the command line)
// with limits checked before RapidJSON sees it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

// A document for text that is parsed, read and dropped at once (an ingest
// line). Its nodes and parse stack start in an inline buffer, so a small
// event costs no heap allocation (a Document mallocs a 64 KiB chunk per
// parse); a larger one spills to the heap. Neither copied nor moved: the
// allocators point into the object itself.
class ScratchDocument {
 public:
  ScratchDocument();
  ScratchDocument(const ScratchDocument&) = delete;
  ScratchDocument& operator=(const ScratchDocument&) = delete;

  // The same checks and parse as parse_untrusted.
  Status parse(std::string_view text, const Limits& limits);
  const rapidjson::Value& root() const { return doc_; }

 private:
  using Allocator = rapidjson::MemoryPoolAllocator<>;
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, Allocator, Allocator>;
  static constexpr std::size_t kStackBytes = 512;

  alignas(8) char values_buffer_[2048];
  alignas(8) char stack_buffer_[kStackBytes + 64];
  Allocator values_;
  Allocator stack_;
  Document doc_;
};

std::string to_string(const rapidjson::Value& value);
// An object written without the members of these names (compact).
std::string to_string_without(const rapidjson::Value& object, const std::vector<std::string_view>& names);

// Name of the JSON type, for error messages ("an array", "a string", ...).
const char* describe_type(const rapidjson::Value& value);

// Member lookup without RapidJSON's asserting operator[].
const rapidjson::Value* find(const rapidjson::Value& object, std::string_view name);
const char* find_string(const rapidjson::Value& object, std::string_view name);

}  // namespace mf::json
