#pragma once
// Plain TCP on 127.0.0.1 for tests that talk to a server by hand.
#include <string>

namespace mf::test {

// A loopback port nothing listens on now (for a server that cannot report the one it took).
int free_loopback_port();

class LoopbackSocket {
 public:
  explicit LoopbackSocket(int port);
  ~LoopbackSocket();
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  bool connected() const { return connected_; }
  // False when the server had closed it already.
  bool write(const std::string& text);
  std::string read_all();  // until the server closes

 private:
  int fd_;
  bool connected_ = false;
};

}  // namespace mf::test
