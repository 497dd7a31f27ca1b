// A producer's line: parsed, validated, re-serialized. What comes out must be
// valid JSON within the limits, or a refusal.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/common/json.hpp"
#include "agent/ingest/ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const mf::ingest::Limits limits{64 * 1024, 32};
  auto parsed = mf::ingest::parse_line(line, limits);
  if (!parsed) return 0;
  // Accepted output must parse again, as an object, within the same limits.
  auto again = mf::json::parse_untrusted(parsed->attributes_json, {limits.max_event_bytes * 2, limits.max_depth});
  if (!again || !again->IsObject()) __builtin_trap();
  return 0;
}
