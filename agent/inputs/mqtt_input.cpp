#include "agent/inputs/mqtt_input.hpp"

#include <algorithm>

#include "agent/common/excerpt.hpp"
#include "agent/common/log.hpp"
#include "agent/event/topic_route.hpp"
#include "agent/net/mqtt/mqtt_client.hpp"

namespace mf::inputs {
namespace {

// libmosquitto may hand over several messages in one read (those already
// decrypted in a TLS record: at most 16 KiB). The gate opens only with room
// for them, so none is read that the buffer would refuse.
constexpr std::uint64_t kTlsRecordBytes = 16 * 1024;
constexpr std::size_t kMessagesPerRead = 256;

net::MqttOptions client_options(const Config::Inputs::Mqtt& m) {
  net::MqttOptions o;
  o.host = m.host;
  o.port = m.port;
  o.tls = m.tls;
  o.ca_file = m.ca_file;
  o.client_id = m.client_id;
  o.username = m.username;
  o.password = m.password;
  o.keepalive = m.keepalive;
  return o;
}

std::vector<std::string> filters_of(const Config::Inputs::Mqtt& m) {
  std::vector<std::string> filters;
  for (const auto& t : m.topics) filters.push_back(t.filter);
  return filters;
}

}  // namespace

MqttInput::MqttInput(boost::asio::io_context& io, Scheduler& scheduler, Random& random, const Config& config,
                     ingest::Ingest& ingest, OnUnusable on_unusable)
    : ingest_(ingest), on_unusable_(std::move(on_unusable)), settings_(config.inputs.mqtt) {
  apply_limits(config);
  client_ = std::make_unique<net::MqttClient>(
      io, scheduler, random, client_options(settings_), filters_of(settings_),
      [this](const net::MqttMessage& m) { on_message(m.topic, m.payload); }, [this] { return has_room(); });
}

MqttInput::~MqttInput() = default;

Status MqttInput::start() {
  log::info("mqtt input: {} as client {}, {} topic filter(s)", settings_.url, settings_.client_id, settings_.topics.size());
  return client_->start();
}

void MqttInput::stop() { client_->stop(); }

void MqttInput::apply_limits(const Config& config) {
  room_events_ = std::clamp<std::size_t>(config.buffer.max_events / 16, 1, kMessagesPerRead);
  room_bytes_ = std::min<std::uint64_t>(config.ingest.max_event_bytes + kTlsRecordBytes, config.buffer.max_bytes / 2);
}

bool MqttInput::has_room() const { return ingest_.has_room(room_events_, room_bytes_); }

void MqttInput::on_message(std::string_view topic, std::string_view payload) {
  const auto refuse = [&](const std::string& why) {
    log::warn("mqtt input: a message on '{}' is not taken: {}", excerpt(topic, 80), why);
    on_unusable_(topic, payload, why);
  };
  for (const auto& route : settings_.topics) {
    auto captures = event::match_topic(route.filter, topic);
    if (!captures) continue;
    std::string actor;
    if (!route.actor_template.empty()) {
      auto expanded = event::expand_actor(route.actor_template, *captures);
      if (!expanded) {
        ingest_.count_refused(Source::mqtt);
        return refuse(expanded.error().message);
      }
      actor = std::move(*expanded);
    }
    const ingest::Outcome outcome = ingest_.submit(payload, Source::mqtt, actor);
    if (outcome.accepted) return;
    if (outcome.buffer_full) {
      log::error("mqtt input: the buffer refused a message the broker was already answered for: {}", outcome.error);
    }
    return refuse(outcome.error);
  }
  ingest_.count_refused(Source::mqtt);
  refuse("it matches none of inputs.mqtt.topics (a subscription left in the broker's session by an earlier config?)");
}

std::vector<std::string> MqttInput::reload(const Config& next) {
  const auto& n = next.inputs.mqtt;
  std::vector<std::string> restart;
  if (n.enabled && n.url != settings_.url) restart.emplace_back("inputs.mqtt.url");
  if (n.enabled && n.client_id != settings_.client_id) restart.emplace_back("inputs.mqtt.client_id");
  apply_limits(next);
  if (!n.enabled) return restart;
  const bool reconnect = n.username != settings_.username || n.password != settings_.password ||
                         n.ca_file != settings_.ca_file || n.keepalive != settings_.keepalive;
  const Config::Inputs::Mqtt kept = settings_;
  settings_ = n;
  // A new broker or client id waits for the restart.
  settings_.url = kept.url;
  settings_.host = kept.host;
  settings_.port = kept.port;
  settings_.tls = kept.tls;
  settings_.client_id = kept.client_id;
  client_->set_filters(filters_of(settings_));
  if (reconnect) {
    auto options = client_options(settings_);
    client_->set_options(std::move(options));
  }
  return restart;
}

MqttInputStatus MqttInput::status() const {
  return {net::to_string(client_->state()), client_->last_error(), client_->connects()};
}

}  // namespace mf::inputs
