#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "agent/common/scheduler.hpp"

namespace mf {

// Where events come in: the ingest socket, an MQTT broker, HTTP POSTs.
enum class Source : std::size_t { socket, mqtt, http };
constexpr std::size_t kSources = 3;
constexpr const char* source_name(Source s) {
  return s == Source::socket ? "socket" : s == Source::mqtt ? "mqtt" : "http";
}

struct SourceCounters {
  std::uint64_t accepted = 0;  // in the buffer
  std::uint64_t refused = 0;   // not taken: bad, too large, refused by the platform's policy
  std::uint64_t deferred = 0;  // not taken yet: the buffer was full (the producer or broker keeps it)
};

// Daemon-wide counters (status, logs). Plain numbers: one thread touches them.
struct Counters {
  std::uint64_t events_accepted = 0;
  std::uint64_t events_acked = 0;
  std::uint64_t events_dropped = 0;   // evicted by drop_oldest
  std::uint64_t events_refused = 0;   // refused at ingest (invalid, too large, buffer full under reject_new)
  std::uint64_t events_rejected = 0;  // answered with a status other than ok
  std::uint64_t attributes_left_out = 0;  // by the platform's policy (mobiusflow.unmapped: ignore)
  std::uint64_t events_poisoned = 0;  // given up after uplink.max_attempts sends that each lost the connection
  std::uint64_t dead_letters = 0;     // records written to buffer.dead_letter
  std::uint64_t reconnects = 0;
  std::uint64_t reauths = 0;          // credentials obtained after the first: renewals and re-logins
  std::uint64_t logins = 0;           // full logins (project key, password, activation) that succeeded
  std::uint64_t refreshes = 0;        // renewals by refresh token or cookie that succeeded
  std::uint64_t refreshes_refused = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t requests = 0;         // batch platforms: HTTP requests that carried events
  std::uint64_t rate_limited = 0;     // batch platforms: 429 answers
  std::array<SourceCounters, kSources> sources{};
  TimePoint last_delivery{};          // when the platform last confirmed an event (monotonic); {}: never
};

}  // namespace mf
