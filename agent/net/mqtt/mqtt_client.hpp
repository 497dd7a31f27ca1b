#pragma once
// An MQTT 3.1.1 subscriber on the daemon's event loop: QoS 1, a fixed client
// id and a persistent session, so the broker keeps what arrives while the
// agent is away; reconnects with back-off and subscribes again each time.
//
// libmosquitto is the engine, driven by our loop (its "external loop" API);
// nothing of it shows outside agent/net/mqtt/. It acknowledges a QoS 1
// message (PUBACK) as it reads it, before handing it over, so this client
// reads a message only when the read gate says one more can be stored: the
// rest stays unread, and unacknowledged, at the broker.
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/backoff.hpp"
#include "agent/common/expected.hpp"
#include "agent/common/random.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"

namespace mf::net {

struct MqttOptions {
  std::string host;
  std::uint16_t port = 1883;
  bool tls = false;
  std::string ca_file;  // tls: empty: the system's trust store
  std::string client_id;
  std::string username;
  Secret password;
  Duration keepalive{60'000};
  BackoffPolicy reconnect{Duration{1'000}, Duration{60'000}, Duration{30'000}};
};

struct MqttMessage {
  std::string_view topic;
  std::string_view payload;
};

enum class MqttState { stopped, connecting, subscribed, backing_off, paused };
const char* to_string(MqttState state);

class MqttClient {
 public:
  // Called for each message, once, in order, on the event loop. It must
  // store or dead-letter the message before it returns: it is acknowledged.
  using OnMessage = std::function<void(const MqttMessage&)>;
  // Whether one more message can be taken now. While it says no, nothing is
  // read; the client asks again every poll period.
  using ReadGate = std::function<bool()>;

  MqttClient(boost::asio::io_context& io, Scheduler& scheduler, Random& random, MqttOptions options,
             std::vector<std::string> filters, OnMessage on_message, ReadGate may_read);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  Status start();
  void stop();
  // New topic filters: the removed ones are unsubscribed, the new subscribed, now if connected.
  void set_filters(std::vector<std::string> filters);
  // New connection settings (a rotated password): applied by connecting again.
  void set_options(MqttOptions options);

  MqttState state() const;
  const std::string& last_error() const;  // why the last connection ended or failed; empty: none
  std::uint64_t connects() const;          // sessions that reached CONNACK

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mf::net
