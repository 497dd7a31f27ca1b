#include "agent/common/units.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <utility>

namespace mf {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

constexpr std::array<Unit, 4> kDurationUnits{{{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
constexpr std::array<Unit, 4> kSizeUnits{{{"B", 1}, {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}}};

template <std::size_t N>
Expected<std::uint64_t> parse_with_units(std::string_view text, const std::array<Unit, N>& units,
                                         std::string_view what, std::string_view examples) {
  const std::string hint = "write a whole number followed by a unit, e.g. " + std::string(examples);
  std::uint64_t number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(begin, end, number);
  if (ec == std::errc::result_out_of_range) {
    return fail(ErrorKind::config, std::string(what) + " '" + std::string(text) + "' is too large");
  }
  if (ec != std::errc() || rest == begin) {
    return fail(ErrorKind::config, "'" + std::string(text) + "' is not a " + std::string(what) + ": " + hint);
  }
  std::string_view suffix(rest, static_cast<std::size_t>(end - rest));
  if (suffix.empty()) {
    return fail(ErrorKind::config, std::string(what) + " '" + std::string(text) + "' has no unit: " + hint);
  }
  for (const auto& unit : units) {
    if (unit.suffix != suffix) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / unit.factor) {
      return fail(ErrorKind::config, std::string(what) + " '" + std::string(text) + "' is too large");
    }
    return number * unit.factor;
  }
  return fail(ErrorKind::config,
              "unknown unit '" + std::string(suffix) + "' in " + std::string(what) + " '" + std::string(text) + "': " + hint);
}

template <std::size_t N>
std::string format_with_units(std::uint64_t value, const std::array<Unit, N>& units) {
  for (auto it = units.rbegin(); it != units.rend(); ++it) {
    if (value != 0 && value % it->factor == 0) return std::to_string(value / it->factor) + std::string(it->suffix);
  }
  return std::to_string(value) + std::string(units.front().suffix);
}

}  // namespace

Expected<Duration> parse_duration(std::string_view text) {
  auto ms = parse_with_units(text, kDurationUnits, "duration", "250ms, 10s, 5m or 12h");
  if (!ms) return fail(ms.error());
  if (*ms > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) {
    return fail(ErrorKind::config, "duration '" + std::string(text) + "' is too large");
  }
  return Duration(static_cast<Duration::rep>(*ms));
}

Expected<std::uint64_t> parse_size(std::string_view text) {
  return parse_with_units(text, kSizeUnits, "size", "512B, 64KiB, 64MiB or 1GiB");
}

std::string format_duration(Duration d) {
  return format_with_units(static_cast<std::uint64_t>(d.count()), kDurationUnits);
}

std::string format_size(std::uint64_t bytes) { return format_with_units(bytes, kSizeUnits); }

std::string human_size(std::uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  char text[32];
  const double kib = static_cast<double>(n) / 1024.0;
  if (kib < 1024.0) std::snprintf(text, sizeof text, "%.1f KiB", kib);
  else if (kib < 1024.0 * 1024.0) std::snprintf(text, sizeof text, "%.1f MiB", kib / 1024.0);
  else std::snprintf(text, sizeof text, "%.1f GiB", kib / 1024.0 / 1024.0);
  return text;
}

}  // namespace mf
