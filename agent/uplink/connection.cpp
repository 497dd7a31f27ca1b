#include "agent/uplink/connection.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::uplink {

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::idle: return "idle";
    case ConnectionState::connecting: return "connecting";
    case ConnectionState::handshaking: return "handshaking";
    case ConnectionState::streaming: return "streaming";
    case ConnectionState::closing: return "closing";
    case ConnectionState::closed: return "closed";
  }
  return "?";
}

Connection::Connection(net::WsTransport& transport, Scheduler& scheduler, ConnectionObserver& observer,
                       ConnectionOptions options, std::unique_ptr<StreamProtocol> protocol)
    : transport_(transport),
      scheduler_(scheduler),
      observer_(observer),
      options_(options),
      protocol_(std::move(protocol)),
      positional_(protocol_->positional()),
      timer_(scheduler.make_timer()),
      keepalive_timer_(scheduler.make_timer()) {}

Connection::~Connection() = default;

void Connection::start(const net::Url& url) {
  if (state_ != ConnectionState::idle) return;
  state_ = ConnectionState::connecting;
  host_ = url.host_for_header();
  net::WsConnection::Handlers handlers;
  handlers.on_open = [this] { on_open(); };
  handlers.on_message = [this](std::string text) { on_message(std::move(text)); };
  handlers.on_closed = [this](const Error& why) { on_transport_closed(why); };
  ws_ = transport_.connect(url, std::move(handlers));
}

bool Connection::send_event(const OutgoingEvent& event) {
  if (!can_send()) return false;
  message_.clear();
  protocol_->encode(event, message_);
  ws_->send(message_);
  // A transport that reported its end from inside send() (it should not):
  // what was unanswered is already handed back, so this event was not sent.
  if (state_ != ConnectionState::streaming) return false;
  if (positional_) sent_.push_back(event.seq);
  else sent_ids_.insert(event.seq);
  if (in_flight() == 1) expect_replies();
  return true;
}

void Connection::close() {
  if (state_ == ConnectionState::closed || state_ == ConnectionState::closing) return;
  fail_and_close(make_error(ErrorKind::network, "connection closed by the agent"));
}

std::vector<std::uint64_t> Connection::unanswered() const {
  if (positional_) return {sent_.begin(), sent_.end()};
  std::vector<std::uint64_t> out(sent_ids_.begin(), sent_ids_.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t Connection::socket_backlog_bytes() const { return ws_ ? ws_->buffered_bytes() : 0; }

void Connection::on_open() {
  state_ = ConnectionState::handshaking;
  const std::string opening = protocol_->opening();
  if (!opening.empty()) ws_->send(opening);
  arm_step_timer(opening.empty() ? "greeting" : "answer to the connect request");
}

void Connection::on_message(std::string text) {
  if (state_ != ConnectionState::handshaking && state_ != ConnectionState::streaming && state_ != ConnectionState::closing) return;
  handle(protocol_->read(text));
}

void Connection::handle(StreamReply reply) {
  using Kind = StreamReply::Kind;
  const bool handshaking = state_ == ConnectionState::handshaking;
  switch (reply.kind) {
    case Kind::ignore: return;
    case Kind::answer:
      ws_->send(reply.text);
      if (handshaking) arm_step_timer("pairing reply");
      return;
    case Kind::ready:
      if (!handshaking) return fail_and_close(make_error(ErrorKind::server, "the server repeated its handshake answer"));
      timer_->cancel();
      state_ = ConnectionState::streaming;
      if (options_.keepalive_interval.count() > 0 && !protocol_->keepalive().empty()) keep_alive();
      return observer_.on_ready();
    case Kind::refused: return fail_and_close(make_error(ErrorKind::session_expired, reply.text));
    case Kind::session_lost:
      if (handshaking) return fail_and_close(make_error(ErrorKind::session_expired, reply.text));
      return on_not_stored(reply);
    case Kind::not_stored:
      if (handshaking) return fail_and_close(make_error(ErrorKind::server, "the server answered an event before the handshake"));
      return on_not_stored(reply);
    case Kind::confirmed:
      if (handshaking) return fail_and_close(make_error(ErrorKind::server, "the server answered an event before the handshake"));
      return on_confirmation(reply);
    case Kind::alive: awaiting_alive_ = false; return;
    case Kind::fault: return fail_and_close(make_error(ErrorKind::server, reply.text));
  }
}

// The event an answer is for (the oldest one, when answers are positional).
bool Connection::take_answered(std::uint64_t seq) {
  if (positional_) {
    if (sent_.empty()) return false;
    sent_.pop_front();
    return true;
  }
  return sent_ids_.erase(seq) > 0;
}

void Connection::on_confirmation(const StreamReply& reply) {
  const std::uint64_t seq = positional_ && !sent_.empty() ? sent_.front() : reply.seq;
  if (!take_answered(seq)) {
    return fail_and_close(make_error(ErrorKind::server, positional_ ? "the collector sent a reply for an event that was never sent"
                                                                    : "the server confirmed an event that was not sent on this connection"));
  }
  last_progress_ = scheduler_.now();
  observer_.on_confirmed(seq, reply.ok, reply.text);
  if (stopped_sending_ && in_flight() == 0) close();
}

namespace {

ErrorKind not_stored_kind(const StreamReply& reply) {
  if (reply.kind == StreamReply::Kind::session_lost) return ErrorKind::session_expired;
  return reply.blame == StreamReply::Blame::configuration ? ErrorKind::target_refused : ErrorKind::server;
}

}  // namespace

void Connection::on_not_stored(const StreamReply& reply) {
  const std::uint64_t seq = positional_ && !sent_.empty() ? sent_.front() : reply.seq;
  const Error why = make_error(not_stored_kind(reply), reply.text);
  if (!take_answered(seq)) return fail_and_close(why);
  last_progress_ = scheduler_.now();
  stopped_sending_ = true;
  observer_.on_not_stored(seq, why);  // may close us
  if (state_ == ConnectionState::streaming && in_flight() == 0) close();
}

// The reply time-out, without a timer reset per event (each reset cost a
// timerfd_settime system call): progress is a time stamp, and the one timer
// checks it when it fires.
void Connection::expect_replies() {
  last_progress_ = scheduler_.now();
  if (!timer_->pending()) timer_->start(options_.request_timeout, [this] { on_reply_deadline(); });
}

void Connection::on_reply_deadline() {
  if (state_ != ConnectionState::streaming || in_flight() == 0) return;  // idle: the next send re-arms it
  const auto deadline = last_progress_ + options_.request_timeout;
  const auto now = scheduler_.now();
  if (now < deadline) {
    timer_->start(std::chrono::ceil<Duration>(deadline - now), [this] { on_reply_deadline(); });
    return;
  }
  fail_and_close(no_reply("reply to an event"));
}

void Connection::keep_alive() {
  keepalive_timer_->start(options_.keepalive_interval, [this] {
    if (state_ != ConnectionState::streaming) return;
    if (awaiting_alive_) {
      return fail_and_close(make_error(ErrorKind::timeout, "no answer to our ping from " + host_ + " within " +
                                                               format_duration(options_.keepalive_interval)));
    }
    awaiting_alive_ = true;
    ws_->send(protocol_->keepalive());
    keep_alive();
  });
}

void Connection::arm_step_timer(std::string_view waiting_for) {
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
  keepalive_timer_->cancel();
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
  keepalive_timer_->cancel();
  observer_.on_closed(reason);
}

}  // namespace mf::uplink
