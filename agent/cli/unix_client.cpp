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
    std::string hint = err == EACCES ? "; a producer needs to be in the group of the socket (the package's: "
                                       "sudo usermod -aG manufactory-producers $USER, then log in again)"
                                     : "; is `manufactory-agent run` running with this config?";
    return fail(ErrorKind::network, "cannot reach the daemon's " + std::string(what) + " socket " + path + ": " +
                                        std::strerror(err) + hint);
  }
  ::signal(SIGPIPE, SIG_IGN);
  return UnixLineClient(fd);
}

std::optional<std::string> ArgumentLines::next() {
  if (next_ == lines_.size()) return std::nullopt;
  return lines_[next_++];
}

std::optional<std::string> DescriptorLines::next() {
  auto nl = buffer_.find('\n');
  if (nl == std::string::npos) {
    if (!eof_ || buffer_.empty()) return std::nullopt;
    nl = buffer_.size();  // the last line, without its newline
  }
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return line;
}

void DescriptorLines::fill() {
  char chunk[64 * 1024];
  const ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
  else if (n == 0 || (errno != EINTR && errno != EAGAIN)) eof_ = true;
}

Expected<std::string> UnixLineClient::request(const std::string& path, std::string_view what, const std::string& line) {
  auto client = connect(path, what);
  if (!client) return fail(client.error());
  ArgumentLines one({line});
  std::string answer;
  auto done = client->exchange(one, [&](std::string_view reply) { answer = std::string(reply); });
  if (!done) return fail(done.error());
  return answer;
}

Status UnixLineClient::exchange(LineSource& source, const std::function<void(std::string_view reply)>& on_reply,
                                std::chrono::milliseconds reply_timeout) {
  using Clock = std::chrono::steady_clock;
  std::string out;
  std::string in;
  std::size_t sent = 0;
  std::size_t answered = 0;
  Clock::time_point progress = Clock::now();  // the latest reply, or the first line sent since all were answered
  char buf[64 * 1024];
  for (;;) {
    while (out.size() < kWriteChunk) {
      auto line = source.next();
      if (!line) break;
      if (answered == sent) progress = Clock::now();
      out += *line;
      out += '\n';
      ++sent;
    }
    if (source.ended() && out.empty() && answered == sent) return {};
    int wait_ms = -1;
    if (answered < sent) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(progress + reply_timeout - Clock::now());
      if (left.count() <= 0) {
        return fail(ErrorKind::timeout, "the daemon answered none of the last " + std::to_string(sent - answered) + " lines within " +
                                            std::to_string(reply_timeout.count() / 1000) +
                                            "s; is it stopped or stuck? (systemctl status manufactory-agent)");
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p[2] = {{fd_, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0}, {source.fd(), POLLIN, 0}};
    const nfds_t count = source.fd() >= 0 && out.size() < kWriteChunk ? 2 : 1;
    if (::poll(p, count, wait_ms) < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorKind::io, std::string("poll: ") + std::strerror(errno));
    }
    if (count == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) source.fill();
    if (p[0].revents & POLLOUT) {
      const ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return fail(ErrorKind::network, std::string("the daemon closed the connection: ") + std::strerror(errno));
      }
      if (n > 0) out.erase(0, static_cast<std::size_t>(n));
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
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
        progress = Clock::now();
        start = nl + 1;
      }
      in.erase(0, start);
    }
  }
}

}  // namespace mf::cli
