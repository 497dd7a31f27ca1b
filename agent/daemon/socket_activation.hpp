#pragma once
// Sockets handed over by systemd ($LISTEN_PID, $LISTEN_FDS, $LISTEN_FDNAMES).
#include <string>
#include <vector>

namespace mf::daemon {

struct InheritedSocket {
  int fd = -1;
  std::string name;  // FileDescriptorName=, or "unknown"
  std::string path;  // the Unix socket path it is bound to, if any
};

// Reads and then unsets the LISTEN_* variables (children must not see them).
std::vector<InheritedSocket> take_inherited_sockets();

// The inherited socket named `name` or bound to `path`; -1 when none.
int find_inherited(const std::vector<InheritedSocket>& sockets, const std::string& name, const std::string& path);

}  // namespace mf::daemon
