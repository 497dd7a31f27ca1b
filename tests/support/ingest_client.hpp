#pragma once
// A local producer on the daemon's ingest socket, by hand: one connection kept
// open for as long as the test likes (a `send` process costs half a second to
// start under the sanitizers; a test that produces over time uses this).
#include <chrono>
#include <optional>
#include <string>

namespace mf::test {

class IngestClient {
 public:
  explicit IngestClient(const std::string& socket_path);
  ~IngestClient();
  IngestClient(const IngestClient&) = delete;
  IngestClient& operator=(const IngestClient&) = delete;

  bool connected() const { return connected_; }
  void close();
  // Lines as they are (each ends in '\n'); false when the daemon had closed the socket.
  bool send(const std::string& ndjson);
  bool send_line(const std::string& line) { return send(line + "\n"); }
  // One reply line; "" on EOF; nullopt when nothing came within the time.
  std::optional<std::string> reply(std::chrono::milliseconds within);
  // How many of the next n replies are {"ok":true}, stopping at the first that is not.
  int accepted(int n, std::chrono::milliseconds within);

 private:
  int fd_;
  bool connected_ = false;
  std::string buffered_;
};

}  // namespace mf::test
