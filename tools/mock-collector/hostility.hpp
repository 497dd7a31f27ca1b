#pragma once
#include <cstdint>
#include <initializer_list>

#include "tools/mock-collector/options.hpp"

namespace mock {

// Which connections misbehave (--hostile): the first `left` of the mode's kind.
class Hostility {
 public:
  explicit Hostility(const Options& o) : mode_(o.hostile), left_(o.hostile_times) {}
  Options::Hostile mode() const { return mode_; }
  // True when this connection is to misbehave in one of these modes.
  bool take(std::initializer_list<Options::Hostile> modes) {
    for (auto m : modes) {
      if (m == mode_ && left_ > 0) {
        --left_;
        return true;
      }
    }
    return false;
  }

 private:
  Options::Hostile mode_;
  std::uint64_t left_;
};

}  // namespace mock
