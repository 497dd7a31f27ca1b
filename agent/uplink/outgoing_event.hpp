#pragma once
// An event on its way out, as links and platforms see it: a copy of what the
// buffer holds, plus whose it is. seq names it across resends and restarts.
#include <cstdint>
#include <string>

#include "agent/buffer/event_buffer.hpp"

namespace mf::uplink {

struct OutgoingEvent {
  std::uint64_t seq = 0;
  std::int64_t accepted_ms = 0;   // calendar time of acceptance, epoch ms (0: unknown)
  buffer::ActorId actor = 0;
  const std::string* actor_json;  // "{}" for platforms without actors; lives as long as the actor
  std::string attributes_json;
};

}  // namespace mf::uplink
