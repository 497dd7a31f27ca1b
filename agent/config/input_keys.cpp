#include "agent/config/input_keys.hpp"

#include <unistd.h>

#include <charconv>

#include "agent/event/topic_route.hpp"

namespace mf::config {
namespace {

// mqtt://host[:port] or mqtts://host[:port]; nothing after the authority.
Status set_broker_url(std::string_view text, Config& c) {
  auto& m = c.inputs.mqtt;
  if (text.empty()) return {};
  const auto scheme_end = text.find("://");
  const std::string_view scheme = scheme_end == std::string_view::npos ? std::string_view() : text.substr(0, scheme_end);
  if (scheme != "mqtt" && scheme != "mqtts") {
    return fail(ErrorKind::config, "inputs.mqtt.url must start with mqtt:// or mqtts://, as in mqtt://127.0.0.1:1883; not '" +
                                       std::string(text) + "'");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return fail(ErrorKind::config, "inputs.mqtt.url is the broker alone (mqtt://host:port); the topics go in "
                                   "inputs.mqtt.topics, the user in inputs.mqtt.username");
  }
  std::string_view host = rest;
  std::uint16_t port = scheme == "mqtts" ? 8883 : 1883;
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    host = rest.substr(0, colon);
    const auto digits = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
      return fail(ErrorKind::config, "inputs.mqtt.url: '" + std::string(digits) + "' is not a port");
    }
    port = static_cast<std::uint16_t>(value);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return fail(ErrorKind::config, "inputs.mqtt.url names no host");
  m.enabled = true;
  m.url = std::string(text);
  m.host = std::string(host);
  m.port = port;
  m.tls = scheme == "mqtts";
  return {};
}

Status add_topic(std::string_view filter, std::string_view actor_json, Config& c) {
  if (auto ok = event::check_topic_filter(filter); !ok) return ok;
  if (auto ok = event::check_actor_template(actor_json, event::wildcard_count(filter)); !ok) {
    return fail(ErrorKind::config, "inputs.mqtt.topics '" + std::string(filter) + "': " + ok.error().message);
  }
  c.inputs.mqtt.topics.push_back({std::string(filter), std::string(actor_json)});
  return {};
}

std::string default_client_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "manufactory-agent";
  return "manufactory-agent-" + std::string(host);
}

const std::vector<KeyDecl> kInputKeys = {
    {"inputs.mqtt.url", KeyType::string, "",
     "Subscribe to this MQTT broker, mqtt://HOST[:1883] or mqtts://HOST[:8883] (TLS, verified). Empty: off.",
     [](std::string_view t, Config& c) { return set_broker_url(t, c); }},
    {"inputs.mqtt.topics", KeyType::actor_map, "",
     "Topic filter -> the actor of its messages: a mapping whose \"{N}\" stand for the filter's N-th wildcard "
     "(devices/+/telemetry: {username: \"{1}\"}), or `default` for the config's actor. A payload is an event: "
     "attributes, or an envelope naming its own actor.",
     nullptr, {},
     [](std::string_view filter, std::string_view actor, Config& c) { return add_topic(filter, actor, c); }},
    {"inputs.mqtt.client_id", KeyType::string, "",
     "The MQTT client id, fixed so the broker keeps the session (and its queued messages) while the agent is away. "
     "Empty: manufactory-agent-<hostname>.",
     [](std::string_view t, Config& c) -> Status {
       c.inputs.mqtt.client_id = t.empty() ? default_client_id() : std::string(t);
       return {};
     }},
    {"inputs.mqtt.username", KeyType::string, "", "The broker user; empty: none.",
     [](std::string_view t, Config& c) { return set_path(t, c.inputs.mqtt.username); }},
    {"inputs.mqtt.password", KeyType::secret, "",
     "The broker user's password (secret). Alternatives: inputs.mqtt.password_file, or the environment variable "
     "MANUFACTORY_AGENT_MQTT_PASSWORD.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"inputs.mqtt.password_file", KeyType::path, "", "A file holding only the broker password (mode 0600 or 0640).",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"inputs.mqtt.ca_file", KeyType::path, "",
     "mqtts: a PEM file of the CA that signed the broker's certificate; empty: the system's trust store.",
     [](std::string_view t, Config& c) { return set_path(t, c.inputs.mqtt.ca_file); }},
    {"inputs.mqtt.keepalive", KeyType::duration, "60s",
     "MQTT keep-alive: a silent broker connection is found dead within 1.5 times this.",
     [](std::string_view t, Config& c) { return set_duration(t, c.inputs.mqtt.keepalive); }},
    {"inputs.http.listen", KeyType::string, "",
     "Take events by POST /v1/events (NDJSON, a JSON array or one object) on this HOST:PORT, e.g. 127.0.0.1:8470. "
     "Empty: off.",
     [](std::string_view t, Config& c) { return set_listen(t, c.inputs.http.enabled, c.inputs.http.listen); }},
    {"inputs.http.allow_remote", KeyType::choice, "false",
     "true: inputs.http.listen may be an address other hosts reach (then set a token).",
     [](std::string_view t, Config& c) { return set_bool(t, c.inputs.http.allow_remote, "inputs.http.allow_remote"); }},
    {"inputs.http.token", KeyType::secret, "",
     "A bearer token producers must send (Authorization: Bearer ...); a secret. Alternatives: inputs.http.token_file, "
     "or the environment variable MANUFACTORY_AGENT_HTTP_TOKEN. None: no token is asked.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"inputs.http.token_file", KeyType::path, "", "A file holding only the bearer token (mode 0600 or 0640).",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"inputs.http.max_body_bytes", KeyType::size, "1MiB",
     "Largest request body; a larger one is answered 413 and nothing of it is taken.",
     [](std::string_view t, Config& c) { return set_size(t, c.inputs.http.max_body_bytes); }},
};

}  // namespace

const std::vector<KeyDecl>& input_keys() { return kInputKeys; }

void check_inputs(Checker& checker) {
  Config& c = checker.config();
  auto& mqtt = c.inputs.mqtt;
  if (mqtt.enabled) {
    if (mqtt.topics.empty()) {
      checker.error("inputs.mqtt.url", "inputs.mqtt.url is set but no topic is: add e.g. "
                                       "`topics: {\"devices/+/telemetry\": {username: \"{1}\"}}` under inputs.mqtt");
    }
    if (mqtt.client_id.empty()) mqtt.client_id = default_client_id();
    const bool password_in_file = checker.has("inputs.mqtt.password") || checker.has("inputs.mqtt.password_file");
    if (password_in_file && mqtt.username.empty()) {
      checker.error("inputs.mqtt.password", "an MQTT password needs inputs.mqtt.username");
    } else if (password_in_file || (!mqtt.username.empty() && checker.has_env("MANUFACTORY_AGENT_MQTT_PASSWORD"))) {
      checker.resolve_secret("MQTT password", "inputs.mqtt.password", "inputs.mqtt.password_file",
                             "MANUFACTORY_AGENT_MQTT_PASSWORD", mqtt.password, mqtt.password_source);
    }
    if (!mqtt.ca_file.empty()) {
      if (!mqtt.tls) checker.error("inputs.mqtt.ca_file", "inputs.mqtt.ca_file is for mqtts:// brokers");
      checker.check_readable("inputs.mqtt.ca_file", mqtt.ca_file);
    }
    if (mqtt.keepalive < std::chrono::seconds(5) || mqtt.keepalive > std::chrono::hours(18)) {
      checker.error("inputs.mqtt.keepalive", "inputs.mqtt.keepalive must be from 5s to 18h");
    }
  } else if (!mqtt.topics.empty() && !checker.has("inputs.mqtt.url")) {
    checker.error("inputs.mqtt.topics", "inputs.mqtt.topics is set but inputs.mqtt.url is not: add "
                                        "`url: mqtt://127.0.0.1:1883` under inputs.mqtt");
  }
  auto& http = c.inputs.http;
  if (checker.has("inputs.http.token") || checker.has("inputs.http.token_file") ||
      checker.has_env("MANUFACTORY_AGENT_HTTP_TOKEN")) {
    checker.resolve_secret("HTTP input token", "inputs.http.token", "inputs.http.token_file",
                           "MANUFACTORY_AGENT_HTTP_TOKEN", http.token, http.token_source);
  }
  if (http.enabled && !http.allow_remote && !net::is_loopback_host(http.listen.host)) {
    checker.error("inputs.http.listen", "inputs.http.listen " + http.listen.to_string() +
                                            " is reachable from other hosts; use a loopback address such as 127.0.0.1:" +
                                            std::to_string(http.listen.port) +
                                            ", or set inputs.http.allow_remote: true (and a token)");
  }
  if (http.enabled && http.allow_remote && http.token.empty()) {
    checker.error("inputs.http.allow_remote", "inputs.http.allow_remote needs a token (inputs.http.token_file): "
                                              "else anyone on the network can send events as this device");
  }
  if (http.max_body_bytes < 1024) checker.error("inputs.http.max_body_bytes", "inputs.http.max_body_bytes must be at least 1KiB");
}

}  // namespace mf::config
