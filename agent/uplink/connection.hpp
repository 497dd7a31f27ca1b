#pragma once
// One WebSocket to the collector, paired to one session, as a state machine:
//
//   idle -> connecting -> greeting -> pairing -> streaming -> closing -> closed
//                 \___________\___________\___________\___________/
//                         (any failure or time-out: closed)
//
// It knows the protocol, not the buffer: the owner hands it events and gets
// one reply per event, in the order sent (acknowledgement is positional).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "agent/auth/session.hpp"
#include "agent/common/error.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/net/ws_transport.hpp"

namespace mf::uplink {

enum class ConnectionState { idle, connecting, greeting, pairing, streaming, closing, closed };
const char* to_string(ConnectionState state);

class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void on_paired() = 0;
  // The reply to the oldest unanswered event. ok=false: rejected, with the collector's reason.
  virtual void on_event_reply(bool ok, const std::string& reason) = 0;
  // Exactly once. Events still unanswered were not acknowledged. The observer
  // may destroy the Connection from here.
  virtual void on_closed(const Error& why) = 0;
};

struct ConnectionOptions {
  Duration request_timeout{15'000};  // greeting, pairing, and each reply while events are in flight
};

class Connection {
 public:
  Connection(net::WsTransport& transport, Scheduler& scheduler, ConnectionObserver& observer, ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start(const net::Url& ws_url, const auth::Session& session);
  // Only while streaming; false otherwise.
  bool send_event(std::string_view attributes_json);
  // Closing handshake; on_closed follows.
  void close();

  ConnectionState state() const { return state_; }
  std::size_t in_flight() const { return in_flight_; }
  std::size_t socket_backlog_bytes() const;

 private:
  void on_open();
  void on_message(std::string text);
  void on_transport_closed(const Error& why);
  void handle_pairing_reply(std::string_view text);
  void handle_event_reply(std::string_view text);
  void arm_reply_timer(std::string_view waiting_for);
  Error no_reply(std::string_view what) const;  // the time-out for any awaited message
  void expect_replies();
  void on_reply_deadline();
  void fail_and_close(Error why);
  void finish(const Error& why);

  net::WsTransport& transport_;
  Scheduler& scheduler_;
  ConnectionObserver& observer_;
  ConnectionOptions options_;
  std::unique_ptr<net::WsConnection> ws_;
  std::unique_ptr<Timer> timer_;
  TimePoint last_progress_{};  // the latest reply (or the first send): the reply time-out counts from it
  std::string pair_text_;
  ConnectionState state_ = ConnectionState::idle;
  std::size_t in_flight_ = 0;
  std::string host_;
  std::shared_ptr<Error> pending_close_reason_;  // why we started closing, reported over the transport's words
};

}  // namespace mf::uplink
