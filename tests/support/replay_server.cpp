#include "tests/support/replay_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace mf::test {
namespace {

// The request's head and its Content-Length body; empty when the peer left first.
std::string read_request(int fd) {
  std::string in;
  char chunk[4096];
  for (;;) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        if (auto at = in.find(name); at != std::string::npos && at < head_end) length = std::strtoul(in.c_str() + at + 16, nullptr, 10);
      }
      if (in.size() >= head_end + 4 + length) return in;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return {};
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return {};
    in.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

ReplayServer::ReplayServer(std::vector<ReplayAnswer> answers) : answers_(std::move(answers)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&at), sizeof at);
  ::listen(listen_fd_, 16);
  socklen_t size = sizeof at;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&at), &size);
  port_ = ntohs(at.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ReplayServer::~ReplayServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
}

std::vector<std::string> ReplayServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void ReplayServer::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    serve_connection(fd);
    ::close(fd);
  }
}

// One connection at a time: the client under test makes one request at a time.
void ReplayServer::serve_connection(int fd) {
  while (!stopping_) {
    std::string request = read_request(fd);
    if (request.empty()) return;
    ReplayAnswer answer;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(std::move(request));
      if (next_ >= answers_.size()) return;
      answer = answers_[next_++];
    }
    ::send(fd, answer.bytes.data(), answer.bytes.size(), MSG_NOSIGNAL);
    if (answer.close_after) return;
  }
}

}  // namespace mf::test
