#include "tests/support/ingest_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>

namespace mf::test {

IngestClient::IngestClient(const std::string& socket_path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

IngestClient::~IngestClient() { close(); }

void IngestClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool IngestClient::send(const std::string& ndjson) {
  std::size_t sent = 0;
  while (sent < ndjson.size()) {
    const ssize_t n = ::send(fd_, ndjson.data() + sent, ndjson.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> IngestClient::reply(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (buffered_.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::string();
    buffered_.append(buf, static_cast<std::size_t>(n));
  }
  const auto nl = buffered_.find('\n');
  std::string line = buffered_.substr(0, nl);
  buffered_.erase(0, nl + 1);
  return line;
}

int IngestClient::accepted(int n, std::chrono::milliseconds within) {
  int ok = 0;
  while (ok < n && reply(within) == std::string(R"({"ok":true})")) ++ok;
  return ok;
}

}  // namespace mf::test
