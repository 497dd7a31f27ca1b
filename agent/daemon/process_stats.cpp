#include "agent/daemon/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace mf::daemon {
namespace {

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::uint64_t n = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n > 0 ? n - 1 : 0;  // less the one opendir holds
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return std::nullopt;
  // The command name is in parentheses and may hold spaces: fields count from after it.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0, vsize = 0;
  long long rss_pages = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    else if (i == 15) stime = std::stoull(field);
    else if (i == 23) vsize = std::stoull(field);
    else if (i == 24) {
      rss_pages = std::stoll(field);
      break;
    }
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  ProcessStats s;
  s.cpu_seconds = ticks > 0 ? static_cast<double>(utime + stime) / static_cast<double>(ticks) : 0;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss_pages > 0 && page > 0 ? static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(page) : 0;
  s.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = limit.rlim_cur;
  return s;
}

}  // namespace mf::daemon
