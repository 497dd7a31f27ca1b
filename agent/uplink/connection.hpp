#pragma once
// One WebSocket to a streaming platform, as a state machine:
//
//   idle -> connecting -> handshaking -> streaming -> closing -> closed
//               \______________\_____________\___________/
//                     (any failure or time-out: closed)
//
// The platform's StreamProtocol says what to send at open, what each message
// means and how an event is written; this class keeps the states, the
// deadlines and which events are unanswered on this connection.
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "agent/common/error.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/net/ws_transport.hpp"
#include "agent/uplink/stream_protocol.hpp"

namespace mf::uplink {

enum class ConnectionState { idle, connecting, handshaking, streaming, closing, closed };
const char* to_string(ConnectionState state);

class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void on_ready() = 0;
  // The server confirmed (ok) or rejected (ok=false, with its reason) an event sent here.
  virtual void on_confirmed(std::uint64_t seq, bool ok, const std::string& reason) = 0;
  // The server did not store this event, for a reason that is not the
  // event's own: the session is lost (why.kind session_expired), the server
  // failed (server), or it refuses the configured target (target_refused).
  // The connection sends nothing more and closes once the answers still due are in.
  virtual void on_not_stored(std::uint64_t seq, const Error& why) = 0;
  // Exactly once. Events still unanswered were not confirmed. The observer
  // may destroy the Connection from here.
  virtual void on_closed(const Error& why) = 0;
};

struct ConnectionOptions {
  Duration request_timeout{15'000};  // each handshake step, and each reply while events are in flight
  Duration keepalive_interval{0};    // the protocol's own ping, if it has one (0: none)
};

class Connection {
 public:
  Connection(net::WsTransport& transport, Scheduler& scheduler, ConnectionObserver& observer, ConnectionOptions options,
             std::unique_ptr<StreamProtocol> protocol);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start(const net::Url& url);
  // Only while streaming; false otherwise.
  bool send_event(const OutgoingEvent& event);
  // Closing handshake; on_closed follows.
  void close();

  ConnectionState state() const { return state_; }
  // Streaming and still accepting events (not after a lost session).
  bool can_send() const { return state_ == ConnectionState::streaming && !stopped_sending_; }
  std::size_t in_flight() const { return positional_ ? sent_.size() : sent_ids_.size(); }
  // The events sent here and not answered, oldest first.
  std::vector<std::uint64_t> unanswered() const;
  std::size_t socket_backlog_bytes() const;

 private:
  void on_open();
  void on_message(std::string text);
  void on_transport_closed(const Error& why);
  void handle(StreamReply reply);
  void on_confirmation(const StreamReply& reply);
  void on_not_stored(const StreamReply& reply);
  bool take_answered(std::uint64_t seq);
  void arm_step_timer(std::string_view waiting_for);
  Error no_reply(std::string_view what) const;
  void expect_replies();
  void on_reply_deadline();
  void keep_alive();
  void fail_and_close(Error why);
  void finish(const Error& why);

  net::WsTransport& transport_;
  Scheduler& scheduler_;
  ConnectionObserver& observer_;
  ConnectionOptions options_;
  std::unique_ptr<StreamProtocol> protocol_;
  const bool positional_;
  std::unique_ptr<net::WsConnection> ws_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<Timer> keepalive_timer_;
  TimePoint last_progress_{};  // the latest reply (or the first send): the reply time-out counts from it
  ConnectionState state_ = ConnectionState::idle;
  std::deque<std::uint64_t> sent_;              // positional: in the order sent
  std::unordered_set<std::uint64_t> sent_ids_;  // by id
  std::string message_;                         // reused for each event
  bool awaiting_alive_ = false;
  bool stopped_sending_ = false;  // an event was not stored: take the answers still due, then close
  std::string host_;
  std::shared_ptr<Error> pending_close_reason_;  // why we started closing, reported over the transport's words
};

}  // namespace mf::uplink
