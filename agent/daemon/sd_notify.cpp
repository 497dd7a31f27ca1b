#include "agent/daemon/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "agent/common/log.hpp"

namespace mf::daemon {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier n;
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || (socket_path[0] != '/' && socket_path[0] != '@')) return n;
  if (std::strlen(socket_path) >= sizeof(sockaddr_un::sun_path)) return n;
  n.address_ = socket_path;
  n.fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  const bool for_us = pid == nullptr || std::strtol(pid, nullptr, 10) == ::getpid();
  if (usec != nullptr && for_us) {
    const long long us = std::strtoll(usec, nullptr, 10);
    if (us > 0) n.watchdog_period_ = Duration(us / 2000);
  }
  return n;
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : fd_(other.fd_), address_(std::move(other.address_)), watchdog_period_(other.watchdog_period_) {
  other.fd_ = -1;
}

void SystemdNotifier::notify(std::string_view message) const {
  if (fd_ < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    log::debug("sd_notify to {} failed: {}", address_, std::strerror(errno));
  }
}

}  // namespace mf::daemon
