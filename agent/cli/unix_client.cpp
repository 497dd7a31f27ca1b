#include "agent/cli/unix_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace mf::cli {
namespace {

constexpr std::size_t kWriteChunk = 256 * 1024;

}  // namespace

UnixLineClient::~UnixLineClient() {
  if (fd_ >= 0) ::close(fd_);
}

UnixLineClient::UnixLineClient(UnixLineClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

Expected<UnixLineClient> UnixLineClient::connect(const std::string& path, std::string_view what) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return fail(ErrorKind::usage, std::string(what) + " socket path is too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    std::string hint = err == EACCES ? "; the user needs to be in the agent's group (manufactory)"
                                     : "; is `manufactory-agent run` running with this config?";
    return fail(ErrorKind::network, "cannot reach the daemon's " + std::string(what) + " socket " + path + ": " +
                                        std::strerror(err) + hint);
  }
  ::signal(SIGPIPE, SIG_IGN);
  return UnixLineClient(fd);
}

Expected<std::string> UnixLineClient::request(const std::string& path, std::string_view what, const std::string& line) {
  auto client = connect(path, what);
  if (!client) return fail(client.error());
  bool asked = false;
  std::string answer;
  auto done = client->exchange(
      [&](std::string& out) {
        if (asked) return false;
        asked = true;
        out = line;
        return true;
      },
      [&](std::string_view reply) { answer = std::string(reply); });
  if (!done) return fail(done.error());
  return answer;
}

Status UnixLineClient::exchange(const std::function<bool(std::string& line)>& next_line,
                                const std::function<void(std::string_view reply)>& on_reply) {
  std::string out;
  std::string in;
  std::string line;
  std::size_t sent = 0;
  std::size_t answered = 0;
  bool more = true;
  char buf[64 * 1024];
  for (;;) {
    while (more && out.size() < kWriteChunk) {
      more = next_line(line);
      if (!more) break;
      out += line;
      out += '\n';
      ++sent;
    }
    if (!more && out.empty() && answered == sent) return {};
    pollfd p{fd_, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
    if (::poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorKind::io, std::string("poll: ") + std::strerror(errno));
    }
    if (p.revents & POLLOUT) {
      const ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return fail(ErrorKind::network, std::string("the daemon closed the connection: ") + std::strerror(errno));
      }
      if (n > 0) out.erase(0, static_cast<std::size_t>(n));
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        return fail(ErrorKind::network, "the daemon closed the connection after " + std::to_string(answered) + " of " +
                                            std::to_string(sent) + " replies");
      }
      in.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (auto nl = in.find('\n', start); nl != std::string::npos; nl = in.find('\n', start)) {
        on_reply(std::string_view(in).substr(start, nl - start));
        ++answered;
        start = nl + 1;
      }
      in.erase(0, start);
    }
  }
}

}  // namespace mf::cli
