#include "agent/daemon/dead_letter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/common/log.hpp"
#include "agent/event/envelope.hpp"

namespace mf::daemon {

void DeadLetterFile::append(const std::string& actor_json, const std::string& attributes_json, const std::string& reason) {
  if (path_.empty()) return;
  std::string line = event::envelope_json(actor_json, attributes_json, reason.empty() ? "rejected" : reason);
  line += '\n';
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  const bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok && !warned_) {
    warned_ = true;
    log::error("cannot write buffer.dead_letter '{}': {}; rejected events are only counted and logged", path_,
               std::strerror(err));
  }
}

}  // namespace mf::daemon
