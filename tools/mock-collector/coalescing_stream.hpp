#pragma once

// A TCP stream for the mock collector's TLS connections that, once asked to
// coalesce, gathers the records written while the session works through input
// it already received, and sends them in one syscall when it next reads from
// the socket.
//
// Why: a client that pipelines events gets one reply per event. Written one at
// a time, each reply costs a sendmsg and a turn of the event loop, and the
// mock, not the client under test, became the limit of every benchmark.
// Nagle would batch as well, but together with delayed ACKs it holds a lone
// reply back for tens of milliseconds; this holds nothing back once the
// session has run out of input.
//
// The rules, so that nothing written is ever stranded:
//  - while a read from the socket is pending (the session waits for its
//    peer), a write goes out at once;
//  - any other write is staged and completes at once (the bytes are ours to
//    send);
//  - a read first takes input the socket already holds, and the staged bytes
//    keep waiting for the replies that input will bring; only when there is
//    none (or the peer is gone) are they sent, and the read waits;
//  - a write error is kept and given to every later write;
//  - on destruction, staged bytes are still sent: the shared state keeps the
//    socket open until they are (or until a 5 s time-out).
// So a lone reply leaves at once, and a burst of pipelined events is answered
// with one sendmsg once the mock has caught up with its input.
// Until coalesce() is called the stream passes writes straight through, so an
// HTTP response is on the wire before its connection is shut down.

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace mock {

class CoalescingStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using lowest_layer_type = next_layer_type::socket_type;
  using executor_type = next_layer_type::executor_type;

  explicit CoalescingStream(boost::asio::ip::tcp::socket&& socket)
      : state_(std::make_shared<State>(std::move(socket))) {}
  CoalescingStream(CoalescingStream&&) = default;
  CoalescingStream& operator=(CoalescingStream&&) = delete;
  CoalescingStream(const CoalescingStream&) = delete;
  CoalescingStream& operator=(const CoalescingStream&) = delete;

  ~CoalescingStream() {
    if (!state_) return;  // moved from
    state_->orphaned = true;
    if (state_->staged.empty() || state_->error) return;
    state_->stream.expires_after(std::chrono::seconds(5));
    if (!state_->flushing) flush(state_);
  }

  void coalesce() {
    state_->coalescing = true;
    state_->stream.socket().non_blocking(true);  // for the peek at input already there; async operations are unaffected
  }

  executor_type get_executor() noexcept { return state_->stream.get_executor(); }
  next_layer_type& next_layer() noexcept { return state_->stream; }
  lowest_layer_type& lowest_layer() noexcept { return state_->stream.socket(); }
  const lowest_layer_type& lowest_layer() const noexcept { return state_->stream.socket(); }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (!state_->staged.empty() && !state_->flushing) {
      // More input already there: keep gathering replies. None: send them, then wait.
      boost::system::error_code ec;
      const std::size_t bytes = state_->stream.socket().read_some(buffers, ec);
      if (ec != boost::asio::error::would_block) {
        if (ec) flush(state_);  // the peer is gone or going: what it may still read goes now
        boost::asio::post(state_->stream.get_executor(),
                          boost::beast::bind_front_handler(std::forward<Handler>(handler), ec, bytes));
        return;
      }
      flush(state_);
    }
    state_->reading = true;
    state_->stream.async_read_some(buffers, ReadDone<std::decay_t<Handler>>{state_, std::forward<Handler>(handler)});
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (!state_->coalescing) {
      state_->stream.async_write_some(buffers, std::forward<Handler>(handler));
      return;
    }
    const std::size_t size = boost::asio::buffer_size(buffers);
    if (!state_->error) {
      const std::size_t at = state_->staged.size();
      state_->staged.resize(at + size);
      boost::asio::buffer_copy(boost::asio::buffer(state_->staged.data() + at, size), buffers);
      if (state_->reading && !state_->flushing) flush(state_);
    }
    const boost::system::error_code ec = state_->error;
    boost::asio::post(state_->stream.get_executor(),
                      boost::beast::bind_front_handler(std::forward<Handler>(handler), ec, ec ? 0 : size));
  }

 private:
  struct State {
    explicit State(boost::asio::ip::tcp::socket&& socket) : stream(std::move(socket)) {}
    next_layer_type stream;
    std::string staged;   // written by the session, not yet handed to the socket
    std::string sending;  // handed to the socket, not yet all accepted
    boost::system::error_code error;
    bool coalescing = false;
    bool reading = false;
    bool flushing = false;
    bool orphaned = false;  // the stream is gone; only the staged bytes remain to be sent
  };

  static void flush(const std::shared_ptr<State>& state) {
    state->flushing = true;
    state->sending.swap(state->staged);
    boost::asio::async_write(state->stream, boost::asio::buffer(state->sending),
                             [state](boost::system::error_code ec, std::size_t) {
                               state->flushing = false;
                               state->sending.clear();
                               if (ec) {
                                 state->error = ec;
                                 state->staged.clear();
                                 return;
                               }
                               if (!state->staged.empty() && (state->reading || state->orphaned)) flush(state);
                             });
  }

  // Completes a socket read: the session is no longer waiting for its peer.
  // Keeps the handler's executor and allocator, as Asio's composed operations expect.
  template <class Handler>
  struct ReadDone {
    std::shared_ptr<State> state;
    Handler handler;

    using executor_type = boost::asio::associated_executor_t<Handler, CoalescingStream::executor_type>;
    executor_type get_executor() const noexcept {
      return boost::asio::get_associated_executor(handler, state->stream.get_executor());
    }
    using allocator_type = boost::asio::associated_allocator_t<Handler>;
    allocator_type get_allocator() const noexcept { return boost::asio::get_associated_allocator(handler); }

    void operator()(boost::system::error_code ec, std::size_t bytes) {
      state->reading = false;
      std::move(handler)(ec, bytes);
    }
  };

  std::shared_ptr<State> state_;
};

}  // namespace mock
