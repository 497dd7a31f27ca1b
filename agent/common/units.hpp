#pragma once
// Durations ("250ms", "10s", "5m", "12h") and sizes ("512B", "64KiB", "64MiB", "1GiB").
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"

namespace mf {

// On failure the error message says what was wrong and which units are accepted.
Expected<Duration> parse_duration(std::string_view text);
Expected<std::uint64_t> parse_size(std::string_view text);

std::string format_duration(Duration d);
std::string format_size(std::uint64_t bytes);
// For people, not for config files: "512 B", "41.0 KiB", "3.5 MiB", "1.2 GiB".
std::string human_size(std::uint64_t bytes);

}  // namespace mf
