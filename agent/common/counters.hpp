#pragma once
#include <cstdint>

namespace mf {

// Daemon-wide counters (status, logs). Plain numbers: one thread touches them.
struct Counters {
  std::uint64_t events_accepted = 0;
  std::uint64_t events_acked = 0;
  std::uint64_t events_dropped = 0;   // evicted by drop_oldest
  std::uint64_t events_refused = 0;   // refused at ingest (invalid, too large, buffer full under reject_new)
  std::uint64_t events_rejected = 0;  // answered with a status other than ok
  std::uint64_t reconnects = 0;
  std::uint64_t reauths = 0;
  std::uint64_t auth_failures = 0;
};

}  // namespace mf
