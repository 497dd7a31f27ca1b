#include "agent/common/repeat_filter.hpp"

#include <algorithm>

namespace mf::log {

std::string RepeatFilter::shape(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  bool in_number = false;
  for (char c : message) {
    const bool digit = c >= '0' && c <= '9';
    if (digit && !in_number) out += '#';
    if (!digit) out += c;
    in_number = digit || (in_number && c == '.');
  }
  return out;
}

RepeatFilter::Verdict RepeatFilter::admit(std::string_view message, TimePoint now) {
  std::string key = shape(message);
  auto it = seen_.find(key);
  if (it == seen_.end() || now - it->second.last_seen >= longest_) {
    if (it == seen_.end() && seen_.size() >= max_messages_) {  // bounded: forget what was quiet longest
      seen_.erase(std::min_element(seen_.begin(), seen_.end(), [](const auto& a, const auto& b) {
        return a.second.last_seen < b.second.last_seen;
      }));
    }
    seen_[std::move(key)] = Seen{now, now, first_, 0};
    return {};
  }
  Seen& s = it->second;
  s.last_seen = now;
  if (now - s.last_out < s.interval) {
    ++s.held_back;
    return {false, 0, {}};
  }
  Verdict v{true, s.held_back, std::chrono::duration_cast<Duration>(now - s.last_out)};
  s.last_out = now;
  s.held_back = 0;
  s.interval = std::min(longest_, s.interval * 2);
  return v;
}

}  // namespace mf::log
