#pragma once
// A paired Manufactory WebSocket: greeting, pairing, one reply per event in
// order, and the fault knobs (kill every N events, reply delay, session
// expiry, the hostile modes that concern the stream).
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

#include "tools/mock-collector/manufactory/collector.hpp"
#include "tools/mock-collector/streams.hpp"

namespace mock::manufactory {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

constexpr std::size_t kMaxMessage = 4 << 20;

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, const Options& options, Collector& collector, bool hostile)
      : ws_(std::move(stream)),
        options_(options),
        collector_(collector),
        hostile_(hostile ? options.hostile : Options::Hostile::none),
        latency_key_(options.latency_field.empty() ? "" : "\"" + options.latency_field + "\":"),
        expiry_timer_(ws_.get_executor()),
        delay_timer_(ws_.get_executor()),
        idle_timer_(ws_.get_executor()) {}

  void run(Request request) {
    beast::get_lowest_layer(ws_).expires_never();
    if constexpr (kSecure<Stream>) ws_.next_layer().next_layer().coalesce();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxMessage);
    ws_.text(true);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->collector_.count_connection();
      if (self->hostile_ != Options::Hostile::no_greeting) self->queue(self->options_.greeting, Clock::now());
      self->read();
    });
  }

 private:
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stop();
      self->on_message();
    });
  }

  void on_message() {
    const std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (peer_.paired && misbehave()) return read();
    if (peer_.paired && collector_.poisons(text)) {
      collector_.count_kill();
      return kill();
    }
    const bool was_paired = peer_.paired;
    const std::uint64_t events_before = peer_.events;
    auto reply = collector_.handle_ws_message(text, peer_, Clock::now());
    if (!reply) return close_for_expiry();
    const bool new_event = peer_.events != events_before;
    if (new_event && options_.kill_every > 0 && peer_.events % options_.kill_every == 0) {
      collector_.count_kill();  // the event was stored; its reply is lost with the connection
      return kill();
    }
    if (!was_paired && peer_.paired) arm_expiry();
    queue(std::move(*reply), Clock::now() + options_.reply_delay, created_at(text));
    if (hostile_ == Options::Hostile::unsolicited_reply) arm_unsolicited_reply();
    read();
  }

  // An event message on a hostile connection: answered wrongly, not stored.
  bool misbehave() {
    switch (hostile_) {
      case Options::Hostile::non_json_reply:
        queue("<html><body><h1>502 Bad Gateway</h1></body></html>", Clock::now());
        return true;
      case Options::Hostile::unknown_reply:
        queue(R"({"type":"telemetry","status":"ok","hint":"nothing a client knows"})", Clock::now());
        return true;
      case Options::Hostile::huge_frame:
        queue(R"({"type":"event","status":"ok","pad":")" + std::string(2 << 20, 'x') + "\"}", Clock::now());
        return true;
      default: return false;
    }
  }

  // After 300 ms without a message (nothing in flight), a reply to no event.
  void arm_unsolicited_reply() {
    idle_timer_.expires_after(std::chrono::milliseconds(300));
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->queue(R"({"type":"event","status":"ok"})", Clock::now());
    });
  }

  void arm_expiry() {
    expiry_timer_.expires_at(peer_.expires_at);
    expiry_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->close_for_expiry();
    });
  }

  void close_for_expiry() {
    if (closing_) return;
    closing_ = true;
    collector_.count_expiry_close();
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "session expired"),
                    [self = this->shared_from_this()](beast::error_code) { self->stop(); });
  }

  void kill() {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    stop();
  }

  void stop() {
    stopped_ = true;
    expiry_timer_.cancel();
    delay_timer_.cancel();
    idle_timer_.cancel();
  }

  // --latency-field: when the event was made (steady clock, ns), if it says.
  std::int64_t created_at(const std::string& text) const {
    if (latency_key_.empty()) return -1;
    const auto at = text.find(latency_key_);
    if (at == std::string::npos) return -1;
    return std::strtoll(text.c_str() + at + latency_key_.size(), nullptr, 10);
  }

  // Replies go out in the order their messages came, each no earlier than `due`.
  void queue(std::string text, Clock::time_point due, std::int64_t created_ns = -1) {
    pending_.push_back({due, std::move(text), created_ns});
    if (!writing_) write_next();
  }

  void write_next() {
    if (stopped_ || closing_ || pending_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    if (pending_.front().due > Clock::now()) {
      delay_timer_.expires_at(pending_.front().due);
      delay_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->write_front();
      });
      return;
    }
    write_front();
  }

  void write_front() {
    out_ = std::move(pending_.front().text);
    if (pending_.front().created_ns >= 0) {
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
      collector_.record_latency(std::chrono::nanoseconds(now_ns - pending_.front().created_ns));
    }
    pending_.pop_front();
    ws_.async_write(boost::asio::buffer(out_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stop();
      self->write_next();
    });
  }

  struct Pending {
    Clock::time_point due;
    std::string text;
    std::int64_t created_ns;
  };

  websocket::stream<Stream> ws_;
  const Options& options_;
  Collector& collector_;
  beast::flat_buffer in_;
  Peer peer_;
  Options::Hostile hostile_;
  const std::string latency_key_;  // "<--latency-field>": what created_at looks for, if anything
  boost::asio::steady_timer expiry_timer_;
  boost::asio::steady_timer delay_timer_;
  boost::asio::steady_timer idle_timer_;
  std::deque<Pending> pending_;
  std::string out_;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

}  // namespace mock::manufactory
