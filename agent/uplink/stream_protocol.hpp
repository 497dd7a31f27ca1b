#pragma once
// What a streaming platform (Manufactory, SAMA) tells the generic connection:
// how to open a session on a fresh WebSocket, how an event is written, and
// what each message from the server means. One StreamProtocol per connection;
// it knows its wire, and nothing of the buffer.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "agent/auth/credential_flow.hpp"
#include "agent/net/url.hpp"
#include "agent/uplink/outgoing_event.hpp"

namespace mf::uplink {

struct StreamReply {
  enum class Kind {
    ignore,        // nothing to do (a server ping of its own, an unknown notice)
    answer,        // send `text` back (e.g. pairing after the greeting); the handshake goes on
    ready,         // the session is established: events may flow
    refused,       // the handshake was refused for the credential: renew it (`text` says why)
    confirmed,     // an event is confirmed (ok) or rejected (ok=false, `text` is the reason)
    alive,         // the answer to our keep-alive
    session_lost,  // the server says the credential is no longer good mid-stream (for event `seq`, not stored):
                   // the connection sends no more, takes the answers still due, and a renewed one takes over
    not_stored,    // event `seq` was not stored, for a reason that is not the event's: `blame` says whose.
                   // Like session_lost, the connection sends no more; the event goes again later.
    fault,         // not what the platform sends: recycle the connection (`text` says what was wrong)
  };
  // not_stored: whose fault. transient (a server failure, an unknown error):
  // resend after a back-off; configuration (the target is not found, not ours
  // to write): resend only after the slow retry or a reload.
  enum class Blame { transient, configuration };
  Kind kind = Kind::ignore;
  std::uint64_t seq = 0;  // confirmed, when the platform names events (not positional)
  bool ok = true;
  std::string text;
  Blame blame = Blame::transient;
};

class StreamProtocol {
 public:
  virtual ~StreamProtocol() = default;
  // Sent as soon as the WebSocket is open; empty: wait for the server to speak first.
  virtual std::string opening() = 0;
  virtual StreamReply read(std::string_view text) = 0;
  // Appends the message for one event.
  virtual void encode(const OutgoingEvent& event, std::string& out) = 0;
  // True: replies carry no id and answer events in the order sent.
  virtual bool positional() const = 0;
  // An application-level ping answered with Kind::alive; empty: none.
  virtual std::string keepalive() { return {}; }
};

// One credential scope of a streaming platform: its credential flow, and new
// connections that use the credential held now.
class StreamEndpoint : public auth::CredentialFlow {
 public:
  virtual const net::Url& stream_url() const = 0;
  virtual std::unique_ptr<StreamProtocol> new_protocol() = 0;
  // True when a connection lives only as long as the credential it was opened
  // with (a Manufactory pairing): renewal then opens a new connection,
  // make-before-break. False (SAMA): the token matters only at connect.
  virtual bool connection_bound_to_credential() const = 0;
};

}  // namespace mf::uplink
