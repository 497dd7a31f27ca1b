// The mock collector's write-coalescing stream, on a loopback TCP pair:
// the rules that decide when staged bytes go out (coalescing_stream.hpp).
#include "tools/mock-collector/coalescing_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <optional>
#include <string>

namespace {

using boost::asio::ip::tcp;
using namespace std::chrono_literals;

class CoalescingStreamTest : public ::testing::Test {
 protected:
  CoalescingStreamTest() {
    tcp::acceptor acceptor(io_, {boost::asio::ip::address_v4::loopback(), 0});
    tcp::socket accepted(io_);
    peer_.connect(acceptor.local_endpoint());
    acceptor.accept(accepted);
    stream_.emplace(std::move(accepted));
    peer_.non_blocking(true);
  }

  // Writes through the stream and runs the loop until the write completes.
  void write(const std::string& text) {
    std::string copy = text;  // outlives the write in both modes
    bool done = false;
    stream_->async_write_some(boost::asio::buffer(copy), [&](boost::system::error_code ec, std::size_t n) {
      EXPECT_FALSE(ec) << ec.message();
      EXPECT_EQ(n, copy.size());
      done = true;
    });
    run_until([&] { return done; });
  }

  // Starts a read on the stream; `read_` holds what it got once `read_done_`.
  void start_read() {
    read_done_ = false;
    stream_->async_read_some(boost::asio::buffer(in_), [this](boost::system::error_code ec, std::size_t n) {
      read_ec_ = ec;
      read_.assign(in_, n);
      read_done_ = true;
    });
    io_.restart();
    io_.poll();
  }

  template <class Done>
  void run_until(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();  // a loop that ran out of work stays stopped until restarted
      io_.run_one_for(10ms);
    }
    ASSERT_TRUE(done());
  }

  // What the peer has received: waits up to `wait` for the first byte.
  std::string peer_received(std::chrono::milliseconds wait = 2000ms) {
    pollfd p{peer_.native_handle(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(wait.count()));
    std::string out;
    char chunk[4096];
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = peer_.read_some(boost::asio::buffer(chunk), ec);
      if (ec) break;
      out.append(chunk, n);
    }
    return out;
  }

  void peer_sends(const std::string& text) { boost::asio::write(peer_, boost::asio::buffer(text)); }

  boost::asio::io_context io_;
  tcp::socket peer_{io_};
  std::optional<mock::CoalescingStream> stream_;
  char in_[4096] = {};
  std::string read_;
  boost::system::error_code read_ec_;
  bool read_done_ = false;
};

TEST_F(CoalescingStreamTest, PassesWritesStraightThroughUntilAskedToCoalesce) {
  write("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(peer_received(), "HTTP/1.1 200 OK\r\n\r\n");
}

TEST_F(CoalescingStreamTest, HoldsWritesMadeWhileWorkingThroughInputUntilTheNextReadWouldWait) {
  stream_->coalesce();
  write("one;");
  write("two;");
  EXPECT_EQ(peer_received(50ms), "") << "staged bytes left before the stream had to wait for input";
  start_read();  // nothing to read: the staged replies go out, then the read waits
  EXPECT_EQ(peer_received(), "one;two;");
  EXPECT_FALSE(read_done_);
  peer_sends("next");
  run_until([&] { return read_done_; });
  EXPECT_FALSE(read_ec_) << read_ec_.message();
  EXPECT_EQ(read_, "next");
}

TEST_F(CoalescingStreamTest, AReadThatFindsInputAlreadyThereKeepsGathering) {
  stream_->coalesce();
  write("reply-1;");
  peer_sends("event-2");
  ASSERT_EQ(peer_received(20ms), "");
  pollfd p{stream_->lowest_layer().native_handle(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);  // the input is there before the read starts
  start_read();
  run_until([&] { return read_done_; });
  EXPECT_EQ(read_, "event-2");
  EXPECT_EQ(peer_received(50ms), "") << "flushed although more input was waiting";
  write("reply-2;");
  start_read();
  EXPECT_EQ(peer_received(), "reply-1;reply-2;");
}

TEST_F(CoalescingStreamTest, AWriteWhileWaitingForInputGoesOutAtOnce) {
  stream_->coalesce();
  start_read();  // waits: the peer says nothing
  write("unsolicited;");
  EXPECT_EQ(peer_received(), "unsolicited;");
  write("timer-reply;");
  EXPECT_EQ(peer_received(), "timer-reply;");
}

TEST_F(CoalescingStreamTest, StagedBytesAreStillSentWhenTheStreamIsDestroyed) {
  stream_->coalesce();
  write("close-frame;");
  stream_.reset();
  io_.restart();
  io_.run_for(200ms);
  EXPECT_EQ(peer_received(), "close-frame;");
  char byte = 0;
  boost::system::error_code ec;
  pollfd p{peer_.native_handle(), POLLIN, 0};
  ::poll(&p, 1, 2000);
  peer_.read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << "the socket stays open after its last bytes went out";
}

TEST_F(CoalescingStreamTest, AFailedSendFailsTheWritesAfterIt) {
  stream_->coalesce();
  peer_.close();
  start_read();  // waits; the peer's FIN ends it
  run_until([&] { return read_done_; });
  EXPECT_EQ(read_ec_, boost::asio::error::eof);
  bool failed = false;
  for (int i = 0; i < 50 && !failed; ++i) {  // the first send after the peer's close draws a reset
    std::string text(1000, 'x');
    bool done = false;
    stream_->async_write_some(boost::asio::buffer(text), [&](boost::system::error_code ec, std::size_t) {
      failed = static_cast<bool>(ec);
      done = true;
    });
    run_until([&] { return done; });
    start_read();
    io_.restart();
    io_.run_for(20ms);
  }
  EXPECT_TRUE(failed);
}

}  // namespace
