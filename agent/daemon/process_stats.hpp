#pragma once
// What Prometheus's process_* metrics say of this process, read from /proc
// (Linux): CPU time, memory, file descriptors.
#include <cstdint>
#include <optional>

namespace mf::daemon {

struct ProcessStats {
  double cpu_seconds = 0;             // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;          // the soft limit
};

// None when /proc cannot be read (then the metrics are left out).
std::optional<ProcessStats> read_process_stats();

}  // namespace mf::daemon
