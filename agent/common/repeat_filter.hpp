#pragma once
// Keeps a flood of one message from filling the disk: the first time a
// message is seen it goes out; while it repeats, it goes out again at most once
// per interval, with how many were held back, and the interval doubles (from
// `first` up to `longest`). Messages that differ only in their numbers (a
// delay, a count, an actor's number) are the same message. A message not seen
// for `longest` starts over.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/common/scheduler.hpp"

namespace mf::log {

class RepeatFilter {
 public:
  RepeatFilter(Duration first, Duration longest, std::size_t max_messages = 256)
      : first_(first), longest_(longest), max_messages_(max_messages) {}

  struct Verdict {
    bool pass = true;
    std::size_t held_back = 0;  // like messages left out since this one last went out
    Duration over{};             // ...in this long
  };
  Verdict admit(std::string_view message, TimePoint now);

 private:
  struct Seen {
    TimePoint last_out{};
    TimePoint last_seen{};
    Duration interval{};
    std::size_t held_back = 0;
  };
  static std::string shape(std::string_view message);

  Duration first_;
  Duration longest_;
  std::size_t max_messages_;
  std::unordered_map<std::string, Seen> seen_;
};

}  // namespace mf::log
