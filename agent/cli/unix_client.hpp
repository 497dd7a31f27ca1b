#pragma once
// The client side of the daemon's line sockets, for `send` and `status`:
// blocking, with poll(), so a CLI stays a few lines long.
#include <functional>
#include <string>

#include "agent/common/expected.hpp"

namespace mf::cli {

class UnixLineClient {
 public:
  ~UnixLineClient();
  static Expected<UnixLineClient> connect(const std::string& path, std::string_view what);
  UnixLineClient(UnixLineClient&& other) noexcept;
  UnixLineClient& operator=(UnixLineClient&&) = delete;

  // Pipelined exchange: lines from next_line() are written while replies are
  // read and handed to on_reply, until every line has its reply.
  // next_line returns false when there are no more lines.
  Status exchange(const std::function<bool(std::string& line)>& next_line,
                  const std::function<void(std::string_view reply)>& on_reply);
  // One line out, its one reply back (the control socket's `status`).
  static Expected<std::string> request(const std::string& path, std::string_view what, const std::string& line);

 private:
  explicit UnixLineClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mf::cli
