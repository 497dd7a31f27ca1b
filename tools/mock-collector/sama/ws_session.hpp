#pragma once
// One SAMA WebSocket: nothing but `connect` before the connect answer has
// been sent (what comes earlier gets 401), then pings, messages and their
// asks, answered in any order. The server pings every --ping-every (8 s) and
// drops a client that sent nothing, pongs included, for --idle-drop (10 s), as
// the real server was seen to. --kill-every N drops the connection at every
// N-th message, after storing it; --transient-error-every N fails every N-th
// as the real server's database does; --store-out-of-order stores what
// arrives within 20 ms in a shuffled order.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <variant>

#include "agent/common/json.hpp"
#include "tools/mock-collector/sama/sama_service.hpp"
#include "tools/mock-collector/streams.hpp"

namespace mock::sama {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, SamaService& service)
      : ws_(std::move(stream)),
        service_(service),
        options_(service.options()),
        flush_timer_(ws_.get_executor()),
        notice_timer_(ws_.get_executor()),
        settle_timer_(ws_.get_executor()),
        ping_timer_(ws_.get_executor()),
        store_timer_(ws_.get_executor()) {}

  void run(Request request) {
    if constexpr (kSecure<Stream>) ws_.next_layer().next_layer().coalesce();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = options_.idle_drop;
    t.keep_alive_pings = false;  // our own pings, on the real server's period
    ws_.set_option(t);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) service_.count_pong();
    });
    ws_.read_message_max(4 << 20);
    ws_.text(true);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->service_.count_connection();
      self->read();
      self->ping();
    });
  }

 private:
  struct Out {
    std::string text;
    std::function<void()> sent;  // after the write completed
    std::uint64_t order = 0;     // arrival of the request it answers (0: not an answer)
  };

  void ping() {
    ping_timer_.expires_after(options_.ping_every);
    ping_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      self->ws_.async_ping({}, [self](beast::error_code e) {
        if (!e) self->ping();
      });
    });
  }

  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (ec == beast::error::timeout) self->service_.count_idle_drop();
        return self->stop();
      }
      self->on_message();
      self->read();
    });
  }

  void on_message() {
    std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    auto doc = mf::json::parse_untrusted(text, {4 << 20, 64});
    if (!doc || !doc->IsObject() || doc->MemberCount() == 0) {
      return write_now(R"({"response":{"error":"Unexpected token in JSON"}})");
    }
    // The server routes on the first key, and inside "request" on its first key.
    const bool wrapped = std::string_view(doc->MemberBegin()->name.GetString()) == "request";
    rapidjson::Value& envelope = wrapped ? doc->MemberBegin()->value : *doc;
    if (!envelope.IsObject() || envelope.MemberCount() == 0) return write_now(R"({"response":{"error":"Bad Request."}})");
    const std::string action = envelope.MemberBegin()->name.GetString();
    rapidjson::Value& params = envelope.MemberBegin()->value;
    const char* rid = wrapped ? mf::json::find_string(envelope, "id") : nullptr;
    const std::string request_id = rid != nullptr ? rid : "";
    const std::uint64_t order = ++arrivals_;
    if (wrapped && action == "id") {
      service_.count_misrouted();
      return write_now(error_json(true, action, request_id, {0, "this.router[reqFirstParams] is not a function"}));
    }
    if (!connected_ && action != "connect") {
      service_.count_unauthorized();
      return write_now(error_json(wrapped, action, request_id, {401, "Unauthorized."}));
    }
    if (action == "connect") return connect(params, request_id);
    if (action == "ping") {
      service_.count_ping_request();
      return write_now(R"({"response":{"id":")" + request_id + R"(","pong":{}}})");
    }
    if (action == "message") return message(params, wrapped, request_id, order);
    write_now(error_json(wrapped, action, request_id, {404, "Route not found"}));
  }

  void connect(const rapidjson::Value& params, const std::string& request_id) {
    auto result = service_.connect(params);
    if (auto* failure = std::get_if<Failure>(&result)) return write_now(error_json(true, "connect", request_id, *failure));
    const std::string device = params.IsObject() && mf::json::find_string(params, "device_id") ? mf::json::find_string(params, "device_id") : "";
    user_id_ = std::get<std::string>(result);
    // The real server answers a connect after its own lookups (a couple of
    // milliseconds), and handles a socket's requests concurrently: what is
    // pipelined behind a connect meets no session yet and gets 401. The
    // session exists from the moment the answer goes out.
    settle_timer_.expires_after(std::chrono::milliseconds(2));
    settle_timer_.async_wait([self = this->shared_from_this(), device, request_id](beast::error_code ec) {
      if (ec || self->stopped_) return;
      self->connected_ = true;
      self->socket_ = self->service_.take_over(device);
      self->write_now(R"({"response":{"id":")" + request_id + R"(","success":true}})");
      self->arm_notice();
    });
  }

  void message(rapidjson::Value& params, bool wrapped, const std::string& request_id, std::uint64_t order) {
    if (!options_.store_out_of_order) return store(params, wrapped, request_id, order);
    to_store_.push_back({mf::json::to_string(params), wrapped, request_id, order});
    if (to_store_.size() > 1) return;
    store_timer_.expires_after(std::chrono::milliseconds(20));
    store_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      auto batch = std::move(self->to_store_);
      self->to_store_.clear();
      std::shuffle(batch.begin(), batch.end(), self->rng_);
      for (auto& m : batch) {
        auto doc = mf::json::parse_untrusted(m.params, {4 << 20, 64});
        if (doc) self->store(*doc, m.wrapped, m.request_id, m.order);
        if (self->stopped_) return;
      }
    });
  }

  // What the real server answers when its database connection resets: a
  // string, or an error object with neither status nor message. Not stored.
  std::string transient_error(const std::string& request_id) {
    return ++transient_errors_ % 2 == 1 ? R"({"response":{"id":")" + request_id + R"(","error":"read ECONNRESET"}})"
                                        : R"({"response":{"id":")" + request_id + R"(","error":{}}})";
  }

  void store(rapidjson::Value& params, bool wrapped, const std::string& request_id, std::uint64_t order) {
    ++received_;
    if (options_.transient_error_every > 0 && received_ % options_.transient_error_every == 0) {
      service_.count_transient_error();
      return answer_later(transient_error(request_id), order);
    }
    if (options_.lose_session_every > 0 && ++messages_ % options_.lose_session_every == 0) {
      service_.count_unauthorized();  // the server lost the socket's session (a restart): nothing stored
      connected_ = false;
      return answer_later(error_json(wrapped, "message", request_id, {401, "Unauthorized."}, !wrapped), order);
    }
    auto result = service_.create_message(params, user_id_);
    if (auto* failure = std::get_if<Failure>(&result)) {
      // A bare message's failure comes back without its id.
      return answer_later(error_json(wrapped, "message", request_id, *failure, !wrapped), order);
    }
    if (options_.kill_every > 0 && ++stored_ % options_.kill_every == 0) {
      service_.count_kill();  // stored; its ask is lost with the connection
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return stop();
    }
    answer_later(std::get<std::string>(std::move(result)), order);
  }

  static std::string error_json(bool wrapped, const std::string& action, const std::string& request_id,
                                const Failure& f, bool drop_id = false) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key(wrapped ? "response" : action.c_str());
    w.StartObject();
    if (!drop_id) {
      w.Key("id");
      w.String(request_id.c_str());
    }
    w.Key("error");
    if (f.status == 0) {
      w.String(f.message.c_str());
    } else {
      w.StartObject();
      w.Key("status");
      w.Int(f.status);
      w.Key("message");
      w.String(f.message.c_str());
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    return b.GetString();
  }

  // Answers to messages are gathered for --reply-delay (at least 1 ms) and
  // sent in a shuffled order: the real server processes them concurrently.
  void answer_later(std::string text, std::uint64_t order) {
    batch_.push_back({std::move(text), nullptr, order});
    if (flushing_) return;
    flushing_ = true;
    flush_timer_.expires_after(std::max(options_.reply_delay, std::chrono::milliseconds(1)));
    flush_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      self->flushing_ = false;
      if (ec) return;
      std::shuffle(self->batch_.begin(), self->batch_.end(), self->rng_);
      for (auto& out : self->batch_) self->enqueue(std::move(out));
      self->batch_.clear();
    });
  }

  // Connected sockets now and then get the server's own ping, which has no id.
  void arm_notice() {
    notice_timer_.expires_after(std::chrono::milliseconds(2500));
    notice_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      self->write_now(R"({"response":{"ping":{}}})");
      self->arm_notice();
    });
  }

  void write_now(std::string text) { enqueue({std::move(text), nullptr, 0}); }

  void enqueue(Out out) {
    if (stopped_) return;
    outbox_.push_back(std::move(out));
    if (!writing_) write_next();
  }

  void write_next() {
    if (stopped_ || outbox_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    current_ = std::move(outbox_.front());
    outbox_.pop_front();
    if (current_.order != 0) {
      if (current_.order < highest_answered_) service_.count_reordered();
      highest_answered_ = std::max(highest_answered_, current_.order);
    }
    ws_.async_write(boost::asio::buffer(current_.text), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stop();
      if (self->current_.sent) self->current_.sent();
      self->write_next();
    });
  }

  void stop() {
    stopped_ = true;
    ping_timer_.cancel();
    store_timer_.cancel();
    flush_timer_.cancel();
    notice_timer_.cancel();
    settle_timer_.cancel();
  }

  websocket::stream<Stream> ws_;
  SamaService& service_;
  const Options& options_;
  beast::flat_buffer in_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer notice_timer_;
  boost::asio::steady_timer settle_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer store_timer_;
  struct ToStore {
    std::string params;
    bool wrapped = false;
    std::string request_id;
    std::uint64_t order = 0;
  };
  std::vector<ToStore> to_store_;
  std::uint64_t received_ = 0;
  std::uint64_t transient_errors_ = 0;
  std::deque<Out> outbox_;
  std::vector<Out> batch_;
  Out current_;
  std::string user_id_;
  std::uint64_t socket_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t highest_answered_ = 0;
  std::uint64_t stored_ = 0;
  std::uint64_t messages_ = 0;
  bool connected_ = false;
  bool writing_ = false;
  bool flushing_ = false;
  bool stopped_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mock::sama
