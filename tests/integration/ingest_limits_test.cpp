// The daemon's bounds against local producers: distinct actors, connected
// clients, idle clients. Each refusal names the limit.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

class RawClient {
 public:
  explicit RawClient(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send_line(const std::string& line) {
    const std::string data = line + "\n";
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  // One reply line; "" on EOF; nullopt when nothing came within the time.
  std::optional<std::string> reply(std::chrono::milliseconds within) {
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

 private:
  int fd_;
  bool connected_ = false;
  std::string buffered_;
};

std::string event_of(const std::string& user) {
  return R"({"actor":{"username":")" + user + R"("},"attributes":{"a":1}})";
}

TEST(IngestLimits, OneActorTooManyIsRefusedByName) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  max_actors: 3\n");
  RawClient c(daemon.ingest_socket());
  ASSERT_TRUE(c.connected());
  for (const char* user : {"a", "b", "c"}) {
    c.send_line(event_of(user));
    EXPECT_EQ(c.reply(5s), R"({"ok":true})");
  }
  c.send_line(event_of("d"));
  const auto refused = c.reply(5s);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("too many distinct actors (uplink.max_actors is 3)"), std::string::npos) << *refused;
  c.send_line(event_of("a"));
  EXPECT_EQ(c.reply(5s), R"({"ok":true})") << "known actors go on";
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 4; }));
}

// DaemonProcess ends its config inside the ingest section: indented keys continue it.
TEST(IngestLimits, AnIdleProducerIsDisconnected) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "  idle_timeout: 300ms\n");
  RawClient c(daemon.ingest_socket());
  ASSERT_TRUE(c.connected());
  c.send_line(R"({"a":1})");
  EXPECT_EQ(c.reply(5s), R"({"ok":true})");
  EXPECT_EQ(c.reply(3s), std::string()) << "closed after 300 ms of silence";
}

TEST(IngestLimits, ClientsBeyondMaxClientsWaitTheirTurn) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "  max_clients: 2\n");
  RawClient first(daemon.ingest_socket());
  RawClient second(daemon.ingest_socket());
  for (RawClient* c : {&first, &second}) {
    c->send_line(R"({"a":1})");
    ASSERT_EQ(c->reply(5s), R"({"ok":true})");
  }
  RawClient third(daemon.ingest_socket());
  ASSERT_TRUE(third.connected()) << "the kernel's backlog holds it";
  third.send_line(R"({"a":3})");
  EXPECT_EQ(third.reply(500ms), std::nullopt) << "not served while two clients are connected";
  first.close();
  EXPECT_EQ(third.reply(5s), R"({"ok":true})") << "served once a slot is free";
}

}  // namespace
}  // namespace mf::test
