#include "agent/common/kept_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mf {
namespace {

Unexpected io_error(const std::string& what, const std::string& path) {
  return fail(ErrorKind::io, what + " '" + path + "': " + std::strerror(errno) +
                                 "; check that state_directory exists and the agent's user may write it");
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// The directory and, under a user's home, its missing parents (~/.local/state).
Status make_directory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
  if (errno != ENOENT || dir == "/" || dir == ".") return io_error("cannot create the directory", dir);
  if (auto ok = make_directory(directory_of(dir)); !ok) return ok;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create the directory", dir);
  return {};
}

}  // namespace

Status check_kept_directory(const std::string& path) {
  const std::string dir = directory_of(path);
  if (auto ok = make_directory(dir); !ok) return ok;
  const std::string probe = path + ".probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot write", probe);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

Status write_kept_file(const std::string& path, std::string_view content) {
  const std::string dir = directory_of(path);
  if (auto ok = make_directory(dir); !ok) return ok;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot write", tmp);
  ::fchmod(fd, 0600);  // whatever the umask said
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("cannot sync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("cannot replace", path);
  }
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Expected<std::optional<std::string>> read_kept_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error("cannot read", path);
  }
  std::string content;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_error("cannot read", path);
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
    if (content.size() > (1 << 20)) {
      ::close(fd);
      return fail(ErrorKind::io, "'" + path + "' is larger than 1 MiB: it is not a file the agent wrote");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(content));
}

}  // namespace mf
