#include "agent/config/config_keys.hpp"

#include <charconv>

#include "agent/common/units.hpp"
#include "agent/config/input_keys.hpp"
#include "agent/config/platform_decl.hpp"

namespace mf::config {

Status set_duration(std::string_view text, Duration& field) {
  auto d = parse_duration(text);
  if (!d) return fail(d.error());
  field = *d;
  return {};
}

Status set_size(std::string_view text, std::uint64_t& field) {
  auto s = parse_size(text);
  if (!s) return fail(s.error());
  field = *s;
  return {};
}

Status set_url(std::string_view text, net::Url& field) {
  auto u = net::parse_url(text);
  if (!u) return fail(u.error());
  field = *u;
  return {};
}

Status set_positive(std::string_view text, std::int64_t& field, std::string_view what) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return fail(ErrorKind::config, std::string(what) + " must be a positive whole number, not '" + std::string(text) + "'");
  }
  field = value;
  return {};
}

Status set_count(std::string_view text, std::uint64_t& field, std::int64_t max) {
  std::int64_t value = 0;
  if (auto ok = set_positive(text, value, "this count"); !ok) return ok;
  if (value > max) return fail(ErrorKind::config, "at most " + std::to_string(max) + " is allowed, not " + std::string(text));
  field = static_cast<std::uint64_t>(value);
  return {};
}

Status set_text(std::string_view text, std::string& field, std::string_view what) {
  if (text.empty()) return fail(ErrorKind::config, std::string(what) + " is empty");
  field = std::string(text);
  return {};
}

Status set_path(std::string_view text, std::string& field) {
  field = std::string(text);
  return {};
}

Status set_bool(std::string_view text, bool& field, std::string_view key) {
  if (text == "true") field = true;
  else if (text == "false") field = false;
  else return fail(ErrorKind::config, std::string(key) + " must be true or false, not '" + std::string(text) + "'");
  return {};
}

Status set_listen(std::string_view text, bool& enabled, net::ListenAddress& address) {
  if (text.empty()) return {};
  auto parsed = net::parse_listen_address(text);
  if (!parsed) return fail(parsed.error());
  enabled = true;
  address = *parsed;
  return {};
}

namespace {

const std::vector<KeyDecl> kSharedKeys = {
    // The loader reads this key first and checks it against the platforms it was given.
    {"platform", KeyType::choice, "manufactory",
     "Which platform the agent speaks: a name of the platform column; each platform has its own keys.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"state_directory", KeyType::path, "/var/lib/manufactory-agent",
     "What must survive a restart (OISP's device token), mode 0700. Under systemd: $STATE_DIRECTORY.",
     [](std::string_view t, Config& c) { return set_path(t, c.state_directory); }},
    {"actor", KeyType::attributes, "",
     "The default actor: attribute name -> value, used for events that name no actor of their own.",
     [](std::string_view t, Config& c) -> Status {
       c.actor_json = std::string(t);
       return {};
     }},
    {"collector.url", KeyType::url, "https://collector.tallyfy.com",
     "The platform's base URL (required for every platform but manufactory).",
     [](std::string_view t, Config& c) { return set_url(t, c.collector.url); }},
    {"collector.ws_url", KeyType::url, "wss://collector.tallyfy.com/ws",
     "Where a streaming platform's WebSocket is (sama: collector.url with wss/ws by default).",
     [](std::string_view t, Config& c) { return set_url(t, c.collector.ws_url); }},
    {"collector.ca_file", KeyType::path, "",
     "A PEM file of extra trust anchors, used besides the system store (e.g. a private CA).",
     [](std::string_view t, Config& c) { return set_path(t, c.collector.ca_file); }},
    {"collector.connect_timeout", KeyType::duration, "10s", "Limit for name resolution, TCP connect and TLS handshake.",
     [](std::string_view t, Config& c) { return set_duration(t, c.collector.connect_timeout); }},
    {"collector.request_timeout", KeyType::duration, "15s",
     "Limit for an HTTP request, the WebSocket greeting and pairing, and a reply to an event.",
     [](std::string_view t, Config& c) { return set_duration(t, c.collector.request_timeout); }},
    {"collector.max_message_bytes", KeyType::size, "1MiB",
     "Largest WebSocket message accepted from the collector; a larger one closes the connection.",
     [](std::string_view t, Config& c) { return set_size(t, c.collector.max_message_bytes); }},
    {"collector.max_response_bytes", KeyType::size, "1MiB", "Largest HTTP response body accepted from the collector.",
     [](std::string_view t, Config& c) { return set_size(t, c.collector.max_response_bytes); }},
    {"collector.proxy", KeyType::secret, "",
     "An HTTP proxy for every connection to the platform, http://[user:password@]host:port (a CONNECT tunnel; TLS "
     "stays end to end). Else https_proxy / HTTPS_PROXY from the environment; \"\" turns a proxy from there off.",
     [](std::string_view t, Config& c) -> Status {
       c.collector.proxy_text = std::string(t);
       return {};
     }},
    {"collector.no_proxy", KeyType::string, "",
     "Hosts reached without the proxy, comma-separated (curl's rules: a name matches its subdomains, * all). Else "
     "no_proxy / NO_PROXY from the environment.",
     [](std::string_view t, Config& c) -> Status {
       c.collector.no_proxy_text = std::string(t);
       return {};
     }},
    {"session.reauth_before", KeyType::duration, "10m",
     "Renew a credential this long before it expires (at most a fifth of its lifetime), with jitter.",
     [](std::string_view t, Config& c) { return set_duration(t, c.session.reauth_before); }},
    {"buffer.max_events", KeyType::integer, "100000", "Most events held while waiting for the collector.",
     [](std::string_view t, Config& c) { return set_count(t, c.buffer.max_events); }},
    {"buffer.max_bytes", KeyType::size, "64MiB", "Most bytes of events held while waiting for the collector.",
     [](std::string_view t, Config& c) { return set_size(t, c.buffer.max_bytes); }},
    {"buffer.overflow", KeyType::choice, "drop_oldest",
     "When the buffer is full: drop_oldest (counted) or reject_new (the producer gets an error).",
     [](std::string_view t, Config& c) -> Status {
       if (t == "drop_oldest") c.buffer.overflow = OverflowPolicy::drop_oldest;
       else if (t == "reject_new") c.buffer.overflow = OverflowPolicy::reject_new;
       else return fail(ErrorKind::config, "buffer.overflow must be drop_oldest or reject_new, not '" + std::string(t) + "'");
       return {};
     }},
    {"buffer.dead_letter", KeyType::path, "",
     "Append events the platform rejected to this NDJSON file (with the reason and the time); empty: only count and log them.",
     [](std::string_view t, Config& c) { return set_path(t, c.buffer.dead_letter); }},
    {"buffer.dead_letter_max_bytes", KeyType::size, "16MiB",
     "When the dead-letter file would grow past this, it is moved to <file>.1 (replacing the older one) and begun anew.",
     [](std::string_view t, Config& c) { return set_size(t, c.buffer.dead_letter_max_bytes); }},
    {"buffer.path", KeyType::path, "",
     "Directory of the disk buffer: events survive restarts and crashes. Empty: events are kept in memory only.",
     [](std::string_view t, Config& c) { return set_path(t, c.buffer.path); }},
    {"buffer.sync", KeyType::choice, "batch",
     "Disk buffer durability: batch (fsync every sync_interval: a power loss costs at most that much), always (a "
     "producer's line is answered after fsync), none (the kernel decides; survives a crash of the agent, not of the "
     "device).",
     [](std::string_view t, Config& c) -> Status {
       if (t == "batch") c.buffer.sync = BufferSync::batch;
       else if (t == "always") c.buffer.sync = BufferSync::always;
       else if (t == "none") c.buffer.sync = BufferSync::none;
       else return fail(ErrorKind::config, "buffer.sync must be batch, always or none, not '" + std::string(t) + "'");
       return {};
     }},
    {"buffer.sync_interval", KeyType::duration, "100ms", "With buffer.sync: batch, the longest time between fsyncs.",
     [](std::string_view t, Config& c) { return set_duration(t, c.buffer.sync_interval); }},
    {"ingest.socket", KeyType::path, "/run/manufactory-agent/ingest.sock", "The Unix socket local producers write events to.",
     [](std::string_view t, Config& c) { return set_path(t, c.ingest.socket); }},
    {"ingest.control_socket", KeyType::path, "/run/manufactory-agent/control.sock",
     "The Unix socket `manufactory-agent status` asks.",
     [](std::string_view t, Config& c) { return set_path(t, c.ingest.control_socket); }},
    {"ingest.max_event_bytes", KeyType::size, "64KiB", "Largest event line accepted (longer lines are refused).",
     [](std::string_view t, Config& c) { return set_size(t, c.ingest.max_event_bytes); }},
    {"ingest.max_depth", KeyType::integer, "32", "Deepest JSON nesting accepted in an event.",
     [](std::string_view t, Config& c) { return set_count(t, c.ingest.max_depth, 256); }},
    {"ingest.max_clients", KeyType::integer, "64", "Producers connected at once; more wait for a free place.",
     [](std::string_view t, Config& c) { return set_count(t, c.ingest.max_clients, 10'000); }},
    {"ingest.idle_timeout", KeyType::duration, "5m", "A producer connection silent this long is closed.",
     [](std::string_view t, Config& c) { return set_duration(t, c.ingest.idle_timeout); }},
    {"uplink.max_actors", KeyType::integer, "1000",
     "Most distinct actors; an event of one more is refused (a bound on memory against a runaway producer).",
     [](std::string_view t, Config& c) { return set_count(t, c.uplink.max_actors); }},
    {"uplink.window", KeyType::integer, "16384",
     "Most events in flight (sent, unanswered) per link. A new link starts at 4096 (or this, if lower; bounded by "
     "window_bytes); a lost connection halves it and it grows while the collector's replies keep pace. In flight is "
     "what is sent again after a loss.",
     [](std::string_view t, Config& c) { return set_count(t, c.uplink.window, 100'000); }},
    {"uplink.window_bytes", KeyType::size, "4MiB", "Most bytes of events in flight per link (one event always goes).",
     [](std::string_view t, Config& c) { return set_size(t, c.uplink.window_bytes); }},
    {"uplink.max_attempts", KeyType::integer, "5",
     "An event sent alone that loses the connection this many times goes to the dead letters (a poison event).",
     [](std::string_view t, Config& c) { return set_count(t, c.uplink.max_attempts, 1'000); }},
    {"uplink.max_connections", KeyType::integer, "8", "Actors connected to the collector at once.",
     [](std::string_view t, Config& c) { return set_count(t, c.uplink.max_connections, 10'000); }},
    {"uplink.idle_timeout", KeyType::duration, "60s", "An actor's connection with nothing to send closes after this.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.idle_timeout); }},
    {"uplink.fair_share", KeyType::duration, "5s",
     "While actors wait for a connection, one holding it longer than this yields its place.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.fair_share); }},
    {"uplink.ping_interval", KeyType::duration, "30s",
     "WebSocket ping period; no pong within collector.request_timeout closes the connection.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.ping_interval); }},
    {"uplink.backoff_base", KeyType::duration, "1s", "First retry delay (full jitter, doubling).",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.backoff_base); }},
    {"uplink.backoff_cap", KeyType::duration, "60s", "Longest retry delay.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.backoff_cap); }},
    {"uplink.backoff_reset", KeyType::duration, "30s", "Connected this long, the back-off starts over.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.backoff_reset); }},
    {"uplink.auth_refused_retry", KeyType::duration, "5m",
     "Retry period after the configured credentials (project key, password) were refused.",
     [](std::string_view t, Config& c) { return set_duration(t, c.uplink.auth_refused_retry); }},
    {"shutdown_grace", KeyType::duration, "5s", "On SIGTERM, time to deliver what is buffered before closing.",
     [](std::string_view t, Config& c) { return set_duration(t, c.shutdown_grace); }},
    {"metrics.listen", KeyType::string, "",
     "Serve GET /metrics (Prometheus text format), GET /healthz (alive) and GET /readyz (delivering) on this "
     "HOST:PORT, e.g. 127.0.0.1:9464. Empty: off.",
     [](std::string_view t, Config& c) { return set_listen(t, c.metrics.enabled, c.metrics.listen); }},
    {"metrics.allow_remote", KeyType::choice, "false",
     "true: metrics.listen may be an address other hosts reach (the metrics carry no secret, but say what the device does).",
     [](std::string_view t, Config& c) { return set_bool(t, c.metrics.allow_remote, "metrics.allow_remote"); }},
    {"metrics.ready_max_event_age", KeyType::duration, "1h",
     "GET /readyz answers 503 while the oldest event in the buffer is older than this (time of acceptance, on the "
     "device's clock).",
     [](std::string_view t, Config& c) { return set_duration(t, c.metrics.ready_max_event_age); }},
    {"metrics.ready_max_silence", KeyType::duration, "10m",
     "GET /readyz answers 503 while events wait and the platform has confirmed none for this long.",
     [](std::string_view t, Config& c) { return set_duration(t, c.metrics.ready_max_silence); }},
    {"log.level", KeyType::choice, "info", "trace, debug, info, warn or error.",
     [](std::string_view t, Config& c) -> Status {
       auto level = log::parse_level(t);
       if (!level) return fail(level.error());
       c.log.level = *level;
       return {};
     }},
};

bool in_section(std::string_view key, std::string_view section) {
  return key.size() > section.size() && key.substr(0, section.size()) == section && key[section.size()] == '.';
}

}  // namespace

KeyTable::KeyTable(std::vector<const PlatformDecl*> platforms) : platforms_(std::move(platforms)), keys_(kSharedKeys) {
  keys_.insert(keys_.end(), input_keys().begin(), input_keys().end());
  for (const PlatformDecl* p : platforms_) {
    for (KeyDecl key : p->keys()) {
      key.platform = p->name;
      keys_.push_back(key);
    }
  }
}

const KeyDecl* KeyTable::find_key(std::string_view name) const {
  for (const auto& key : keys_) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool KeyTable::is_section(std::string_view name) const {
  for (const auto& key : keys_) {
    if (in_section(key.name, name)) return true;
  }
  return false;
}

std::string_view KeyTable::section_platform(std::string_view section) const {
  std::string_view owner;
  bool first = true;
  for (const auto& key : keys_) {
    if (!in_section(key.name, section)) continue;
    if (first) owner = key.platform;
    else if (owner != key.platform) return {};
    first = false;
  }
  return owner;
}

const PlatformDecl* KeyTable::find_platform(std::string_view name) const {
  for (const PlatformDecl* p : platforms_) {
    if (p->name == name) return p;
  }
  return nullptr;
}

std::string KeyTable::platform_names() const {
  std::string out;
  for (std::size_t i = 0; i < platforms_.size(); ++i) {
    if (i > 0) out += i + 1 == platforms_.size() ? " or " : ", ";
    out += platforms_[i]->name;
  }
  return out;
}

const char* type_name(KeyType type) {
  switch (type) {
    case KeyType::string: return "string";
    case KeyType::integer: return "integer";
    case KeyType::duration: return "duration";
    case KeyType::size: return "size";
    case KeyType::choice: return "choice";
    case KeyType::url: return "url";
    case KeyType::path: return "path";
    case KeyType::secret: return "secret";
    case KeyType::attributes: return "mapping";
    case KeyType::string_map: return "map";
    case KeyType::actor_map: return "map of actors";
  }
  return "?";
}

}  // namespace mf::config

namespace mf {

const char* to_string(OverflowPolicy policy) {
  return policy == OverflowPolicy::drop_oldest ? "drop_oldest" : "reject_new";
}

std::string_view Config::platform_name() const { return platform == nullptr ? std::string_view() : platform->name; }

}  // namespace mf
