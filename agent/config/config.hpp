#pragma once
// The agent's whole configuration, typed and validated. It is produced in one
// place (config_loader) from the declarations in config_keys.cpp; nothing else
// reads YAML.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/log.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/listen_address.hpp"
#include "agent/net/proxy.hpp"
#include "agent/net/url.hpp"
#include "agent/config/platform_settings.hpp"

namespace mf {
namespace config {
struct PlatformDecl;
}

enum class BufferSync { batch, always, none };
enum class OverflowPolicy { drop_oldest, reject_new };

struct Config {
  std::string source_path;  // the file it was read from

  const config::PlatformDecl* platform = nullptr;  // set by the loader
  // The platform's own keys, typed in its folder: config.section<its Settings>().
  config::PlatformSettingsSlot platform_settings;
  std::string state_directory;  // what must survive a restart (OISP's device token)

  std::string actor_json;  // the default actor as compact JSON; empty when not configured

  struct Collector {
    net::Url url;
    net::Url ws_url;
    std::string ca_file;
    Duration connect_timeout{};
    Duration request_timeout{};
    std::uint64_t max_message_bytes = 0;   // largest WebSocket message accepted from the collector
    std::uint64_t max_response_bytes = 0;  // largest HTTP response body (and 16 KiB of headers)
    std::optional<net::Proxy> proxy;       // from collector.proxy, else https_proxy / HTTPS_PROXY
    std::string proxy_source;              // "collector.proxy", "https_proxy"...
    // As the file gave them; the loader turns them into `proxy`.
    std::optional<std::string> proxy_text;
    std::optional<std::string> no_proxy_text;
  } collector;

  struct Session {
    Duration reauth_before{};
  } session;

  struct Buffer {
    std::uint64_t max_events = 0;
    std::uint64_t max_bytes = 0;
    OverflowPolicy overflow = OverflowPolicy::drop_oldest;
    std::string dead_letter;  // NDJSON file for events the collector rejected; empty: none
    std::uint64_t dead_letter_max_bytes = 16ULL << 20;  // rotated once past this
    std::string path;         // directory of the disk buffer; empty: events are kept in memory
    BufferSync sync = BufferSync::batch;
    Duration sync_interval{};
  } buffer;

  struct Ingest {
    std::string socket;
    std::string control_socket;
    std::uint64_t max_event_bytes = 0;
    std::uint64_t max_depth = 0;
    std::uint64_t max_clients = 0;
    Duration idle_timeout{};
  } ingest;

  // Inputs beside the ingest socket: an MQTT broker's topics, HTTP POSTs.
  struct Inputs {
    struct MqttTopic {
      std::string filter;         // devices/+/telemetry
      std::string actor_template; // compact JSON whose "{N}" stand for the filter's N-th wildcard; empty: default actor
    };
    struct Mqtt {
      bool enabled = false;        // inputs.mqtt.url set
      std::string url;             // as written, for messages
      std::string host;
      std::uint16_t port = 0;
      bool tls = false;            // mqtts://
      std::string ca_file;         // mqtts: empty: the system's trust store
      std::string client_id;       // fixed: the broker keeps the session under it
      std::string username;
      Secret password;
      std::string password_source;
      Duration keepalive{};
      std::vector<MqttTopic> topics;
    } mqtt;
    struct Http {
      bool enabled = false;        // inputs.http.listen set
      net::ListenAddress listen;
      bool allow_remote = false;
      Secret token;                // empty: no token asked
      std::string token_source;
      std::uint64_t max_body_bytes = 0;
    } http;
  } inputs;

  struct Uplink {
    std::uint64_t window = 0;
    std::uint64_t window_bytes = 0;
    std::uint64_t max_attempts = 0;
    std::uint64_t max_connections = 0;
    std::uint64_t max_actors = 0;
    Duration idle_timeout{};
    Duration fair_share{};
    Duration ping_interval{};
    Duration backoff_base{};
    Duration backoff_cap{};
    Duration backoff_reset{};
    Duration auth_refused_retry{};
  } uplink;

  Duration shutdown_grace{};

  struct Metrics {
    bool enabled = false;  // metrics.listen set
    net::ListenAddress listen;
    bool allow_remote = false;
    Duration ready_max_event_age{};  // /readyz: the oldest waiting event may be this old
    Duration ready_max_silence{};    // /readyz: events may wait this long with nothing delivered
  } metrics;

  struct Log {
    log::Level level = log::Level::info;
  } log;

  std::string_view platform_name() const;
  template <class T>
  T& section() {
    return platform_settings.as<T>();
  }
  template <class T>
  const T& section() const {
    return platform_settings.as<T>();
  }
};

const char* to_string(OverflowPolicy policy);

}  // namespace mf
