#pragma once
// Start-up: read what an earlier run left in the buffer directory, cut torn
// tails, set damaged bytes aside in quarantine/, and tell the buffer where
// every unacknowledged event is. Buffer damage never stops the agent; only a
// format from a newer agent does (it would be destroyed by guessing).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::buffer::disk {

struct Location {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
};

struct RecoveredSegment {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t live_events = 0;
};

struct RecoveredActor {
  std::string json;
  std::uint64_t live_events = 0;
  Location first_live;               // where to start reading its events
  std::uint64_t watermark = 0;       // acknowledged up to this sequence number
  std::uint64_t last_seq = 0;        // of its newest event on disk
  std::set<std::uint64_t> dropped;   // above the watermark
};

struct Recovery {
  std::vector<RecoveredSegment> segments;  // oldest first
  std::map<std::uint32_t, RecoveredActor> actors;
  std::uint64_t next_seq = 1;
  std::uint64_t next_segment = 1;
  std::uint32_t next_actor = 1;
  std::uint64_t live_events = 0;
  // What was repaired, for the log and `status`.
  std::uint64_t torn_bytes = 0;
  std::uint64_t quarantined_bytes = 0;
  std::uint64_t quarantined_files = 0;
  std::uint64_t unattributed_events = 0;
  std::vector<std::string> repairs;  // one sentence each
};

std::string segment_name(std::uint64_t number);

// dir must exist and be locked by the caller.
Expected<Recovery> recover(const std::string& dir);

}  // namespace mf::buffer::disk
