#pragma once
// A stream layer under the WebSocket and over TLS that writes the frames of
// several events in one TLS write (so in one record when they fit, and one
// syscall) when they come faster than the socket takes them. Each frame is
// copied once, into the pending bytes, and its write completes at once; the
// pending bytes go down whenever no write is under way. Nothing is held back
// waiting for more (no Nagle): a lone event leaves at once, and what arrives
// while it is being written goes together in the next write.
//
// The WebSocket's closing handshake ends with a TLS teardown; it waits here
// until the writes under way are done, so the two never overlap on the TLS
// stream.
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <memory>
#include <string>
#include <utility>

namespace mf::net {

template <class NextLayer>
class WriteCoalescer {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  template <class... Args>
  explicit WriteCoalescer(Args&&... args) : state_(std::make_shared<State>(std::forward<Args>(args)...)) {}

  executor_type get_executor() noexcept { return state_->next.get_executor(); }
  next_layer_type& next_layer() noexcept { return state_->next; }
  const next_layer_type& next_layer() const noexcept { return state_->next; }

  // Bytes taken and not yet handed to the layer below.
  std::size_t pending_bytes() const { return state_->staged.size() + state_->sending.size(); }
  std::uint64_t writes() const { return state_->writes; }  // to the layer below (tests, benchmarks)

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    state_->next.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    const std::size_t size = boost::asio::buffer_size(buffers);
    if (!state_->error) {
      const std::size_t at = state_->staged.size();
      state_->staged.resize(at + size);
      boost::asio::buffer_copy(boost::asio::buffer(state_->staged.data() + at, size), buffers);
      if (!state_->writing) flush(state_);
    }
    const boost::system::error_code ec = state_->error;
    boost::asio::post(state_->next.get_executor(),
                      boost::beast::bind_front_handler(std::forward<Handler>(handler), ec, ec ? 0 : size));
  }

  // Runs f once no write is under way (at once when none is).
  template <class F>
  void after_writes(F&& f) {
    if (!state_->writing) return std::forward<F>(f)();
    state_->after_writes = std::make_unique<Deferred<std::decay_t<F>>>(std::forward<F>(f));
  }

 private:
  struct Work {
    virtual ~Work() = default;
    virtual void run() = 0;
  };
  template <class F>
  struct Deferred final : Work {
    explicit Deferred(F f) : fn(std::move(f)) {}
    void run() override { std::move(fn)(); }
    F fn;
  };

  struct State {
    template <class... Args>
    explicit State(Args&&... args) : next(std::forward<Args>(args)...) {}
    NextLayer next;
    std::string staged;   // taken, waiting for the write under way
    std::string sending;  // handed to the layer below
    boost::system::error_code error;
    bool writing = false;
    std::uint64_t writes = 0;
    std::unique_ptr<Work> after_writes;
  };

  static void flush(const std::shared_ptr<State>& state) {
    state->writing = true;
    ++state->writes;
    state->sending.swap(state->staged);
    boost::asio::async_write(state->next, boost::asio::buffer(state->sending),
                             [state](boost::system::error_code ec, std::size_t) {
                               state->writing = false;
                               state->sending.clear();
                               if (ec) {
                                 state->error = ec;
                                 state->staged.clear();
                               } else if (!state->staged.empty()) {
                                 return flush(state);
                               }
                               if (auto work = std::move(state->after_writes)) work->run();
                             });
  }

  std::shared_ptr<State> state_;
};

// The WebSocket's teardown, after the writes under way.
template <class NextLayer, class Handler>
void async_teardown(boost::beast::role_type role, WriteCoalescer<NextLayer>& stream, Handler&& handler) {
  stream.after_writes([role, &stream, h = std::forward<Handler>(handler)]() mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(h));
  });
}

template <class NextLayer>
void teardown(boost::beast::role_type role, WriteCoalescer<NextLayer>& stream, boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

}  // namespace mf::net
