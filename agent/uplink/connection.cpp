#include "agent/uplink/connection.hpp"

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"
#include "agent/uplink/messages.hpp"

namespace mf::uplink {

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::idle: return "idle";
    case ConnectionState::connecting: return "connecting";
    case ConnectionState::greeting: return "greeting";
    case ConnectionState::pairing: return "pairing";
    case ConnectionState::streaming: return "streaming";
    case ConnectionState::closing: return "closing";
    case ConnectionState::closed: return "closed";
  }
  return "?";
}

Connection::Connection(net::WsTransport& transport, Scheduler& scheduler, ConnectionObserver& observer,
                       ConnectionOptions options)
    : transport_(transport),
      scheduler_(scheduler),
      observer_(observer),
      options_(options),
      timer_(scheduler.make_timer()) {}

Connection::~Connection() = default;

void Connection::start(const net::Url& ws_url, const auth::Session& session) {
  if (state_ != ConnectionState::idle) return;
  state_ = ConnectionState::connecting;
  host_ = ws_url.host_for_header();
  pair_text_ = pair_message(session);
  net::WsConnection::Handlers handlers;
  handlers.on_open = [this] { on_open(); };
  handlers.on_message = [this](std::string text) { on_message(std::move(text)); };
  handlers.on_closed = [this](const Error& why) { on_transport_closed(why); };
  ws_ = transport_.connect(ws_url, std::move(handlers));
}

bool Connection::send_event(std::string_view attributes_json) {
  if (state_ != ConnectionState::streaming) return false;
  ws_->send(event_message(attributes_json));
  if (in_flight_++ == 0) expect_replies();
  return true;
}

void Connection::close() {
  if (state_ == ConnectionState::closed || state_ == ConnectionState::closing) return;
  fail_and_close(make_error(ErrorKind::network, "connection closed by the agent"));
}

std::size_t Connection::socket_backlog_bytes() const { return ws_ ? ws_->buffered_bytes() : 0; }

void Connection::on_open() {
  state_ = ConnectionState::greeting;
  arm_reply_timer("greeting");
}

void Connection::on_message(std::string text) {
  switch (state_) {
    case ConnectionState::greeting:
      log::debug("uplink: greeting from {}: {}", host_, text.substr(0, 80));
      state_ = ConnectionState::pairing;
      ws_->send(pair_text_);
      arm_reply_timer("pairing reply");
      return;
    case ConnectionState::pairing: return handle_pairing_reply(text);
    case ConnectionState::streaming:
    case ConnectionState::closing: return handle_event_reply(text);
    default: return;
  }
}

void Connection::handle_pairing_reply(std::string_view text) {
  auto reply = parse_reply(text);
  if (!reply) return fail_and_close(reply.error());
  if (reply->type != Reply::Type::auth) {
    return fail_and_close(make_error(ErrorKind::server, "the collector answered the pairing with an event reply"));
  }
  if (!reply->ok) {
    return fail_and_close(make_error(ErrorKind::session_expired, "the collector refused the pairing: " + reply->message));
  }
  timer_->cancel();
  state_ = ConnectionState::streaming;
  observer_.on_paired();
}

void Connection::handle_event_reply(std::string_view text) {
  auto reply = parse_reply(text);
  if (!reply) return fail_and_close(reply.error());
  if (reply->type != Reply::Type::event) {
    return fail_and_close(make_error(ErrorKind::server, "the collector sent an auth reply while streaming events"));
  }
  if (in_flight_ == 0) {
    return fail_and_close(make_error(ErrorKind::server, "the collector sent a reply for an event that was never sent"));
  }
  --in_flight_;
  last_progress_ = scheduler_.now();
  observer_.on_event_reply(reply->ok, reply->message);
}

// The reply time-out, without a timer reset per event (each reset cost a
// timerfd_settime system call): progress is a time stamp, and the one timer
// checks it when it fires.
void Connection::expect_replies() {
  last_progress_ = scheduler_.now();
  if (!timer_->pending()) timer_->start(options_.request_timeout, [this] { on_reply_deadline(); });
}

void Connection::on_reply_deadline() {
  if (state_ != ConnectionState::streaming || in_flight_ == 0) return;  // idle: the next send re-arms it
  const auto deadline = last_progress_ + options_.request_timeout;
  const auto now = scheduler_.now();
  if (now < deadline) {
    timer_->start(std::chrono::ceil<Duration>(deadline - now), [this] { on_reply_deadline(); });
    return;
  }
  fail_and_close(no_reply("reply to an event"));
}

void Connection::arm_reply_timer(std::string_view waiting_for) {
  timer_->start(options_.request_timeout, [this, what = std::string(waiting_for)] { fail_and_close(no_reply(what)); });
}

Error Connection::no_reply(std::string_view what) const {
  return make_error(ErrorKind::timeout, "no " + std::string(what) + " from the collector at " + host_ + " within " +
                                            format_duration(options_.request_timeout));
}

// A protocol fault or time-out: say why, then recycle the connection. The
// close handshake gets request_timeout; after that the socket is dropped.
void Connection::fail_and_close(Error why) {
  if (state_ == ConnectionState::closed) return;
  if (state_ == ConnectionState::closing) return finish(why);
  state_ = ConnectionState::closing;
  pending_close_reason_ = std::make_shared<Error>(std::move(why));
  timer_->start(options_.request_timeout, [this] {
    ws_.reset();
    finish(*pending_close_reason_);
  });
  ws_->close("agent closing");  // may report the close at once; nothing below touches *this
}

void Connection::on_transport_closed(const Error& why) {
  if (state_ == ConnectionState::closed) return;
  finish(pending_close_reason_ ? *pending_close_reason_ : why);
}

void Connection::finish(const Error& why) {
  const Error reason = why;  // `why` may live in state that the observer destroys
  state_ = ConnectionState::closed;
  timer_->cancel();
  observer_.on_closed(reason);
}

}  // namespace mf::uplink
