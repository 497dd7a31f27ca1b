#pragma once
// A Unix stream socket that takes newline-delimited requests and answers each
// line with one line, in order. Used for the ingest socket (events) and the
// control socket (status). It knows nothing of what the lines mean.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"

namespace mf::net {

struct LineServerOptions {
  std::string name;  // for messages: "ingest", "control"
  std::string path;
  unsigned mode = 0660;
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_clients = 64;
  Duration idle_timeout{300'000};
  int inherited_fd = -1;  // a listening socket handed over (systemd socket activation)
};

class UnixLineServer {
 public:
  // The reply to one line, without its newline; blank lines get no reply.
  using LineHandler = std::function<std::string(std::string_view line)>;
  // The reply to a line longer than max_line_bytes (discarded up to its newline).
  using OverlongHandler = std::function<std::string(std::size_t max_line_bytes)>;

  UnixLineServer(boost::asio::io_context& io, LineServerOptions options, LineHandler on_line, OverlongHandler on_overlong);
  ~UnixLineServer();
  UnixLineServer(const UnixLineServer&) = delete;
  UnixLineServer& operator=(const UnixLineServer&) = delete;

  // Creates the parent directory, replaces a stale socket file, refuses to take
  // over a socket another process still serves, listens.
  Status start();
  // No new connections; current clients are closed.
  void stop();
  void set_limits(std::size_t max_line_bytes, Duration idle_timeout);
  std::size_t clients() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mf::net
