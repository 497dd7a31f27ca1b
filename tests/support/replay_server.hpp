#pragma once
// A raw TCP server on 127.0.0.1 that answers each HTTP request it reads with
// the next of a list of byte-exact answers: what a real server was seen to
// send, replayed without any HTTP library in between.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mf::test {

struct ReplayAnswer {
  std::string bytes;
  bool close_after = false;  // close the connection once written (a body that ends with it, or a server that drops idle ones)
};

class ReplayServer {
 public:
  explicit ReplayServer(std::vector<ReplayAnswer> answers);
  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_; }
  std::vector<std::string> requests() const;  // each request's head and body, as received

 private:
  void serve();
  void serve_connection(int fd);

  std::vector<ReplayAnswer> answers_;
  std::size_t next_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace mf::test
