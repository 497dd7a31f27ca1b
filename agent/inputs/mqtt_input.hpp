#pragma once
// Events from an MQTT broker's topics (inputs.mqtt). Each message is one
// event: its payload as an ingest line (attributes, or an envelope), its actor
// from the topic's route. A message is read only when the buffer has room,
// and is stored before libmosquitto's acknowledgement could matter: what the
// buffer cannot take yet stays queued at the broker.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/random.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/config/config.hpp"
#include "agent/ingest/ingest.hpp"

namespace mf::net {
class MqttClient;
}

namespace mf::inputs {

struct MqttInputStatus {
  std::string state;       // connecting, subscribed, backing_off, paused
  std::string last_error;  // empty: none
  std::uint64_t connects = 0;
};

class MqttInput {
 public:
  // Messages that cannot become events are handed here with the reason
  // (the dead-letter file), after being counted and logged.
  using OnUnusable = std::function<void(std::string_view topic, std::string_view payload, const std::string& reason)>;

  MqttInput(boost::asio::io_context& io, Scheduler& scheduler, Random& random, const Config& config,
            ingest::Ingest& ingest, OnUnusable on_unusable);
  ~MqttInput();

  Status start();
  void stop();
  // Topics, routes and the password apply at once; what cannot is returned (keys needing a restart).
  std::vector<std::string> reload(const Config& next);
  MqttInputStatus status() const;

 private:
  void on_message(std::string_view topic, std::string_view payload);
  bool has_room() const;
  void apply_limits(const Config& config);

  ingest::Ingest& ingest_;
  OnUnusable on_unusable_;
  Config::Inputs::Mqtt settings_;
  std::size_t room_events_ = 1;
  std::uint64_t room_bytes_ = 0;
  std::unique_ptr<net::MqttClient> client_;
};

}  // namespace mf::inputs
