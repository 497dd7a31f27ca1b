#pragma once
// The client side of the daemon's line sockets, for `send` and `status`:
// blocking, with poll(), so a CLI stays a few lines long.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::cli {

// Where the lines to send come from: all at hand (arguments), or a file
// descriptor read as lines arrive (stdin), so that a producer piped into
// `send` has each line delivered as soon as it is written.
class LineSource {
 public:
  virtual ~LineSource() = default;
  // The next complete line, if one is at hand now.
  virtual std::optional<std::string> next() = 0;
  // No line will come any more.
  virtual bool ended() const = 0;
  // A descriptor to wait on for more lines (-1: none), and reading what it has.
  virtual int fd() const { return -1; }
  virtual void fill() {}
};

class ArgumentLines final : public LineSource {
 public:
  explicit ArgumentLines(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  std::optional<std::string> next() override;
  bool ended() const override { return next_ == lines_.size(); }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
};

class DescriptorLines final : public LineSource {
 public:
  explicit DescriptorLines(int fd) : fd_(fd) {}
  std::optional<std::string> next() override;
  bool ended() const override { return eof_ && buffer_.empty(); }
  int fd() const override { return eof_ ? -1 : fd_; }
  void fill() override;

 private:
  int fd_;
  std::string buffer_;
  bool eof_ = false;
};

class UnixLineClient {
 public:
  ~UnixLineClient();
  static Expected<UnixLineClient> connect(const std::string& path, std::string_view what);
  UnixLineClient(UnixLineClient&& other) noexcept;
  UnixLineClient& operator=(UnixLineClient&&) = delete;

  // Pipelined exchange: lines from the source are written as they come while
  // replies are read and handed to on_reply, until every line has its reply.
  // A daemon that leaves lines unanswered for reply_timeout is an error.
  Status exchange(LineSource& source, const std::function<void(std::string_view reply)>& on_reply,
                  std::chrono::milliseconds reply_timeout = std::chrono::seconds(30));
  // One line out, its one reply back (the control socket's `status`).
  static Expected<std::string> request(const std::string& path, std::string_view what, const std::string& line);

 private:
  explicit UnixLineClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mf::cli
