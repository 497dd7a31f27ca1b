#pragma once
// systemd's notify protocol, by hand: a datagram to $NOTIFY_SOCKET (a leading
// '@' means the abstract namespace). A dozen lines instead of linking
// libsystemd into every cross build. Without $NOTIFY_SOCKET it does nothing.
#include <optional>
#include <string>
#include <string_view>

#include "agent/common/scheduler.hpp"

namespace mf::daemon {

class SystemdNotifier {
 public:
  static SystemdNotifier from_environment();
  SystemdNotifier() = default;
  ~SystemdNotifier();
  SystemdNotifier(SystemdNotifier&& other) noexcept;
  SystemdNotifier& operator=(SystemdNotifier&&) = delete;

  bool enabled() const { return fd_ >= 0; }
  void notify(std::string_view message) const;
  // Half of $WATCHDOG_USEC when the watchdog is meant for this process.
  std::optional<Duration> watchdog_period() const { return watchdog_period_; }

 private:
  int fd_ = -1;
  std::string address_;
  std::optional<Duration> watchdog_period_;
};

}  // namespace mf::daemon
