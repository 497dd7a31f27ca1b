#include "agent/daemon/socket_activation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace mf::daemon {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

std::string bound_path(int fd) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sun_family != AF_UNIX) return {};
  return std::string(addr.sun_path, ::strnlen(addr.sun_path, sizeof addr.sun_path));
}

}  // namespace

std::vector<InheritedSocket> take_inherited_sockets() {
  std::vector<InheritedSocket> out;
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  const char* names = std::getenv("LISTEN_FDNAMES");
  const bool ours = pid != nullptr && fds != nullptr && std::strtol(pid, nullptr, 10) == ::getpid();
  const int count = ours ? std::atoi(fds) : 0;
  std::string name_list = names != nullptr ? names : "";
  for (int i = 0; i < count; ++i) {
    InheritedSocket s;
    s.fd = kFirstFd + i;
    const auto colon = name_list.find(':');
    s.name = name_list.substr(0, colon);
    name_list = colon == std::string::npos ? "" : name_list.substr(colon + 1);
    if (s.name.empty()) s.name = "unknown";
    s.path = bound_path(s.fd);
    ::fcntl(s.fd, F_SETFD, FD_CLOEXEC);
    out.push_back(std::move(s));
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return out;
}

int find_inherited(const std::vector<InheritedSocket>& sockets, const std::string& name, const std::string& path) {
  for (const auto& s : sockets) {
    if (s.name == name || (!path.empty() && s.path == path)) return s.fd;
  }
  return -1;
}

}  // namespace mf::daemon
