#include "agent/daemon/daemon.hpp"

#include <malloc.h>
#include <sys/prctl.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "agent/buffer/disk_buffer.hpp"
#include "agent/buffer/memory_buffer.hpp"
#include "agent/common/asio_scheduler.hpp"
#include "agent/common/log.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/common/units.hpp"
#include "agent/config/config_loader.hpp"
#include "agent/config/net_options.hpp"
#include "agent/daemon/dead_letter.hpp"
#include "agent/daemon/metrics.hpp"
#include "agent/daemon/readiness.hpp"
#include "agent/daemon/sd_notify.hpp"
#include "agent/daemon/socket_activation.hpp"
#include "agent/daemon/status.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/inputs/http_input.hpp"
#include "agent/inputs/mqtt_input.hpp"
#include "agent/net/http_server.hpp"
#include "agent/net/unix_line_server.hpp"
#include "agent/net/ws_backend.hpp"
#include "agent/platforms/registry.hpp"
#include "agent/uplink/uplink.hpp"

namespace mf::daemon {
namespace {

constexpr Duration kDrainPoll{50};
constexpr Duration kCloseLimit{2'000};  // close frames get this long at shutdown, then we exit anyway
constexpr Duration kStatusPeriod{5'000};  // STATUS= for `systemctl status`
constexpr Duration kTrimPeriod{10'000};
constexpr std::size_t kInitialWindow = 4096;  // events in flight on a new link (see uplink_settings)

buffer::Limits buffer_limits(const Config& c) {
  return {c.buffer.max_events, c.buffer.max_bytes,
          c.buffer.overflow == OverflowPolicy::drop_oldest ? buffer::Overflow::drop_oldest : buffer::Overflow::reject_new};
}

Expected<std::unique_ptr<buffer::EventBuffer>> make_buffer(const Config& c, Scheduler& scheduler) {
  if (c.buffer.path.empty()) return std::unique_ptr<buffer::EventBuffer>(std::make_unique<buffer::MemoryBuffer>(buffer_limits(c)));
  buffer::DiskOptions options;
  options.path = c.buffer.path;
  options.limits = buffer_limits(c);
  options.sync = c.buffer.sync == BufferSync::always ? buffer::SyncPolicy::always
                 : c.buffer.sync == BufferSync::none ? buffer::SyncPolicy::none
                                                     : buffer::SyncPolicy::batch;
  options.sync_interval = c.buffer.sync_interval;
  const auto started = scheduler.now();
  auto disk = buffer::DiskBuffer::open(options, scheduler);
  if (!disk) return fail(disk.error());
  const auto& r = (*disk)->recovery();
  for (const auto& repair : r.repairs) log::warn("disk buffer: {}", repair);
  if (r.unattributed_events > 0) {
    log::warn("disk buffer: {} events whose actor record was damaged cannot be sent", r.unattributed_events);
  }
  log::info("disk buffer {}: {} events to send from an earlier run, {} on disk, read in {}", c.buffer.path, r.live_events,
            human_size((*disk)->stats().bytes),
            format_duration(std::chrono::duration_cast<Duration>(scheduler.now() - started)));
  return std::unique_ptr<buffer::EventBuffer>(std::move(*disk));
}

ingest::Limits ingest_limits(const Config& c) {
  return {static_cast<std::size_t>(c.ingest.max_event_bytes), static_cast<int>(c.ingest.max_depth)};
}

uplink::UplinkSettings uplink_settings(const Config& c) {
  uplink::UplinkSettings s;
  s.link.connection.request_timeout = c.collector.request_timeout;
  s.link.connection.keepalive_interval = c.uplink.ping_interval;
  // A new link starts where a loss-free one ends up for a collector up to
  // about 50 ms away: 4 096 events (bounded by uplink.window and window_bytes).
  // From 64, such a collector got 0.57 of the ideal client's throughput over
  // 20 000 events (now 1.0); from 16 384, a burst on loopback held 41 MiB at
  // its peak instead of 32. A loss still halves it (InFlightLimit).
  s.link.in_flight = {static_cast<std::size_t>(c.uplink.window), c.uplink.window_bytes,
                      std::min<std::size_t>(c.uplink.window, kInitialWindow)};
  s.link.max_attempts = static_cast<std::uint32_t>(c.uplink.max_attempts);
  s.link.backoff = {c.uplink.backoff_base, c.uplink.backoff_cap, c.uplink.backoff_reset};
  s.link.credential = {c.session.reauth_before, s.link.backoff, c.uplink.auth_refused_retry};
  s.max_connections = c.uplink.max_connections;
  s.idle_timeout = c.uplink.idle_timeout;
  s.fair_share = c.uplink.fair_share;
  return s;
}

net::LineServerOptions line_server(const std::string& name, const std::string& path, const Config& c,
                                   const std::vector<InheritedSocket>& inherited) {
  net::LineServerOptions o;
  o.name = name;
  o.path = path;
  o.inherited_fd = find_inherited(inherited, name, path);
  o.max_line_bytes = c.ingest.max_event_bytes;
  o.max_clients = c.ingest.max_clients;
  o.idle_timeout = c.ingest.idle_timeout;
  return o;
}

class Daemon final : public ingest::ActorDirectory {
 public:
  Daemon(Config config, net::TlsContext tls, const std::vector<InheritedSocket>& inherited,
         boost::asio::io_context& io, AsioScheduler& scheduler, std::unique_ptr<buffer::EventBuffer> buffer)
      : config_(std::move(config)),
        tls_(tls),
        notifier_(SystemdNotifier::from_environment()),
        io_(io),
        scheduler_(scheduler),
        started_at_(scheduler_.now()),
        http_(io_, tls, config::http_options(config_)),
        platform_(platforms::make_platform(config_, {scheduler_, clock_, http_, counters_, random_})),
        transport_(net::make_ws_transport(io_, tls, config::ws_options(config_, true))),
        buffer_(std::move(buffer)),
        dead_letter_(config_.buffer.dead_letter, config_.buffer.dead_letter_max_bytes, clock_),
        uplink_({scheduler_, random_, *buffer_, counters_, tallies_,
                 [this](const std::string& actor, const std::string& event, const std::string& reason) {
                   if (dead_letter_.append(actor, event, reason)) ++counters_.dead_letters;
                 },
                 transport_.get()},
                uplink_settings(config_), *platform_),
        ingest_(*buffer_, *this, counters_, clock_, platform_->event_policy(), config_.actor_json, ingest_limits(config_)),
        ingest_server_(io_, line_server("ingest", config_.ingest.socket, config_, inherited),
                       [this](std::string_view line) { return ingest_.handle_line(line); },
                       [this](std::size_t max) { return ingest_.overlong_reply(max); }),
        control_server_(io_, line_server("control", config_.ingest.control_socket, config_, inherited),
                        [this](std::string_view line) { return control(line); },
                        [](std::size_t) { return ingest::error_reply("command too long"); }),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        drain_timer_(scheduler_.make_timer()),
        grace_timer_(scheduler_.make_timer()),
        watchdog_timer_(scheduler_.make_timer()),
        status_timer_(scheduler_.make_timer()),
        trim_timer_(scheduler_.make_timer()) {}

  int run() {
    if (auto ok = platform_->load(); !ok) return fail_start(ok.error());
    if (auto ok = ingest_server_.start(); !ok) return fail_start(ok.error());
    if (auto ok = control_server_.start(); !ok) return fail_start(ok.error());
    if (auto ok = start_metrics(); !ok) return fail_start(ok.error());
    if (auto ok = start_inputs(); !ok) return fail_start(ok.error());
    log::info("manufactory-agent {} running: platform {}, ingest {}, collector {}", MF_VERSION, platform_->name(),
              config_.ingest.socket, config_.collector.url.to_string());
    // Actors from the disk buffer come back whatever uplink.max_actors says: their events were accepted.
    for (const auto& actor_json : buffer_->actors_with_events()) on_buffered(register_actor(actor_json));
    platform_->start(true, [] {});
    // Ready means: config valid, sockets listening. The network may come later.
    notifier_.notify("READY=1\nSTATUS=" + one_line_status());
    pet_watchdog();
    report_status_periodically();
    return_memory_periodically();
    wait_for_signal();
    io_.run();
    report_stop();
    return 0;
  }

  // ingest::ActorDirectory
  std::optional<buffer::ActorId> actor_id(const std::string& actor_json) override {
    if (!uplink_.knows(actor_json) && uplink_.actor_count() >= config_.uplink.max_actors) return std::nullopt;
    return register_actor(actor_json);
  }
  std::size_t max_actors() const override { return config_.uplink.max_actors; }
  void on_buffered(buffer::ActorId actor) override { uplink_.on_buffered(actor); }

 private:
  buffer::ActorId register_actor(const std::string& actor_json) {
    const buffer::ActorId id = uplink_.actor_id(actor_json);
    buffer_->describe_actor(id, actor_json);
    return id;
  }

  int fail_start(const Error& error) {
    log::error("{}", error.message);
    return exit_code_for(error.kind) == 0 ? 1 : exit_code_for(error.kind);
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) reload();
      else if (draining_) {
        log::warn("second stop signal: exiting now");
        io_.stop();
      } else {
        begin_drain(signal == SIGINT ? "SIGINT" : "SIGTERM");
      }
      wait_for_signal();
    });
  }

  // From the event loop itself: a stuck loop stops the pets and systemd restarts us.
  void pet_watchdog() {
    if (!notifier_.watchdog_period()) return;
    notifier_.notify("WATCHDOG=1");
    watchdog_timer_->start(*notifier_.watchdog_period(), [this] { pet_watchdog(); });
  }

  void report_status_periodically() {
    if (!notifier_.enabled()) return;
    status_timer_->start(kStatusPeriod, [this] {
      notifier_.notify("STATUS=" + one_line_status());
      report_status_periodically();
    });
  }

  // After a burst, the allocator keeps the freed heap: hand it back to the
  // system once the buffer has drained (measured: 47 MiB -> RSS of the idle daemon).
  void return_memory_periodically() {
    trim_timer_->start(kTrimPeriod, [this] {
      if (buffer_->stats().events == 0 && counters_.events_accepted != accepted_at_last_trim_) {
        accepted_at_last_trim_ = counters_.events_accepted;
        ::malloc_trim(0);
      }
      return_memory_periodically();
    });
  }

  std::string one_line_status() const {
    const char* open = platform_->link_per_actor() ? " actors connected, " : " connections open, ";
    return std::string(draining_ ? "draining: " : "") + std::to_string(uplink_.open_links()) + open +
           std::to_string(buffer_->stats().events) + " events buffered, " + std::to_string(counters_.events_acked) +
           " delivered";
  }

  Status start_metrics() {
    if (!config_.metrics.enabled) return {};
    const auto& at = config_.metrics.listen;
    metrics_server_ = std::make_unique<net::HttpServer>(io_, net::HttpServerOptions{"metrics", at.host, at.port},
                                                        [this](const net::ServedRequest& r) { return serve_http(r); });
    if (auto ok = metrics_server_->start(); !ok) return ok;
    log::info("metrics on http://{}/metrics", net::ListenAddress{at.host, metrics_server_->port()}.to_string());
    return {};
  }

  // The inputs beside the ingest socket. MQTT connects in the background: a
  // broker that is down is retried, not a reason to fail the start.
  Status start_inputs() {
    if (config_.inputs.http.enabled) {
      http_input_ = std::make_unique<inputs::HttpInput>(io_, config_, ingest_);
      if (auto ok = http_input_->start(); !ok) return ok;
    }
    if (config_.inputs.mqtt.enabled) {
      mqtt_input_ = std::make_unique<inputs::MqttInput>(
          io_, scheduler_, random_, config_, ingest_,
          [this](std::string_view topic, std::string_view payload, const std::string& reason) {
            if (dead_letter_.append_message("mqtt", topic, payload, reason)) ++counters_.dead_letters;
          });
      if (auto ok = mqtt_input_->start(); !ok) return ok;
    }
    return {};
  }

  void stop_inputs() {
    if (mqtt_input_) mqtt_input_->stop();
    if (http_input_) http_input_->stop();
  }

  net::HttpAnswer serve_http(const net::ServedRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") {
      return {405, "text/plain", "only GET and HEAD\n", {{"Allow", "GET, HEAD"}}};
    }
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(snapshot())};
    if (path == "/healthz") return draining_ ? net::HttpAnswer{503, "text/plain", "draining\n"} : net::HttpAnswer{200, "text/plain", "ok\n"};
    if (path == "/readyz") {
      const Readiness r = readiness(snapshot(), {config_.metrics.ready_max_event_age, config_.metrics.ready_max_silence});
      return {r.ready() ? 200U : 503U, "application/json", readiness_json(r)};
    }
    return {404, "text/plain", "not found; try /metrics, /healthz or /readyz\n"};
  }

  std::string control(std::string_view line) {
    if (line == "status") return status_json(snapshot());
    return ingest::error_reply("unknown command '" + std::string(line.substr(0, 40)) + "'; the control socket knows: status");
  }

  StatusSnapshot snapshot() const {
    StatusSnapshot s;
    s.state = draining_ ? "draining" : "running";
    s.uptime = std::chrono::duration_cast<Duration>(scheduler_.now() - started_at_);
    s.counters = counters_;
    s.buffer = buffer_->stats();
    s.platform = std::string(platform_->name());
    s.validation = platform_->validation();
    s.connected_actors = uplink_.open_links();
    s.connections_open = uplink_.open_connections();
    const TimePoint now = scheduler_.now();
    const std::int64_t wall_now = clock_.now_ms();
    if (auto oldest = buffer_->oldest_accepted_ms()) s.oldest_event_age = Duration(std::max<std::int64_t>(0, wall_now - *oldest));
    if (counters_.last_delivery != TimePoint{}) {
      s.since_last_delivery = std::chrono::duration_cast<Duration>(now - counters_.last_delivery);
      s.last_delivery_ms = wall_now - s.since_last_delivery->count();
    }
    s.started_ms = wall_now - s.uptime.count();
    s.credential_expires_in = uplink_.next_credential_expiry();
    s.credential_problem = uplink_.credential_problem();
    s.restart_pending = restart_pending_;
    s.ingest_clients = ingest_server_.clients();
    if (http_input_) s.inputs.push_back(Source::http);
    if (mqtt_input_) {
      s.inputs.push_back(Source::mqtt);
      const auto mqtt = mqtt_input_->status();
      s.mqtt_state = mqtt.state;
      s.mqtt_last_error = mqtt.last_error;
    }
    s.actors = uplink_.status();
    return s;
  }

  void begin_drain(const char* why) {
    draining_ = true;
    drain_started_ = scheduler_.now();
    notifier_.notify("STOPPING=1\nSTATUS=" + one_line_status());
    ingest_server_.stop();
    stop_inputs();
    log::info("{}: intake stopped; delivering {} buffered events for up to {}", why, buffer_->stats().events,
              format_duration(config_.shutdown_grace));
    grace_timer_->start(config_.shutdown_grace, [this] { close_connections(); });
    poll_drained();
  }

  void poll_drained() {
    if (buffer_->stats().events == 0) return close_connections();
    drain_timer_->start(kDrainPoll, [this] { poll_drained(); });
  }

  void close_connections() {
    if (closing_) return;
    closing_ = true;
    drain_timer_->cancel();
    grace_timer_->cancel();
    control_server_.stop();
    if (metrics_server_) metrics_server_->stop();
    watchdog_timer_->cancel();  // nothing may keep the loop alive once the connections are closed
    status_timer_->cancel();
    trim_timer_->cancel();
    grace_timer_->start(kCloseLimit, [this] { io_.stop(); });
    uplink_.close_all([this] { io_.stop(); });
  }

  void report_stop() {
    const auto left = buffer_->stats().events;
    const auto took = std::chrono::duration_cast<Duration>(scheduler_.now() - drain_started_);
    if (left == 0) {
      log::info("stopped after {}: every accepted event was delivered ({} in all)", format_duration(took), counters_.events_acked);
    } else if (buffer_->stats().persistent) {
      log::info("stopped after {}: {} events stay in the disk buffer {} and are sent after the next start",
                format_duration(took), left, config_.buffer.path);
    } else {
      log::warn("stopped after {}: {} buffered events were not delivered and are lost (memory buffer)", format_duration(took), left);
    }
  }

  void reload() {
    notifier_.notify("RELOADING=1");
    apply_reloaded_config();
    notifier_.notify("READY=1\nSTATUS=" + one_line_status());
  }

  void apply_reloaded_config() {
    auto loaded = config::load_file(config_.source_path, config::process_environment(), platforms::config_decls());
    if (!loaded) {
      log::error("SIGHUP: the config is not valid, keeping the running one:\n{}", loaded.error().message);
      return;
    }
    const Config& next = loaded->config;
    for (const auto& w : loaded->warnings) log::warn("{}", w);
    log::set_level(next.log.level);
    buffer_->set_limits(buffer_limits(next));
    ingest_.set_limits(ingest_limits(next));
    ingest_server_.set_limits(next.ingest.max_event_bytes, next.ingest.idle_timeout);
    dead_letter_.set_path(next.buffer.dead_letter, next.buffer.dead_letter_max_bytes);
    // The CA file is read again even when its name did not change: a rotated CA is the same path.
    if (auto ok = net::reload_trust_anchors(tls_, {next.collector.ca_file, true}); !ok) {
      log::error("SIGHUP: collector.ca_file: {}; new connections keep the trust anchors they had", ok.error().message);
    }
    // Another platform's section means nothing to the running one.
    std::vector<std::string> restart = next.platform == config_.platform ? platform_->reload(next) : std::vector<std::string>{};
    const auto shared = shared_keys_needing_restart(next);
    restart.insert(restart.end(), shared.begin(), shared.end());
    if (mqtt_input_) {
      const auto mqtt = mqtt_input_->reload(next);
      restart.insert(restart.end(), mqtt.begin(), mqtt.end());
    }
    if (http_input_) {
      const auto http = http_input_->reload(next);
      restart.insert(restart.end(), http.begin(), http.end());
    }
    // What was refused (a password, a conversation) may be right now: try at once.
    uplink_.retry_now();
    log::info("SIGHUP: reloaded log level, buffer and ingest limits, dead-letter file, trust anchors (collector.ca_file), "
              "the platform's credentials and targets, schemas, the MQTT topics and password, the HTTP input's token");
    restart_pending_ = join(restart);
    if (!restart.empty()) log::warn("SIGHUP: changed, but applied only at a restart: {}", restart_pending_);
  }

  // The keys outside the platform's own section that a running daemon cannot change.
  std::vector<std::string> shared_keys_needing_restart(const Config& next) const {
    const Config& c = config_;
    std::vector<std::string> keys;
    const auto check = [&keys](bool changed, const char* key) {
      if (changed) keys.emplace_back(key);
    };
    check(next.platform != c.platform, "platform");
    check(next.actor_json != c.actor_json, "actor");
    check(next.ingest.socket != c.ingest.socket, "ingest.socket");
    check(next.uplink.window != c.uplink.window, "uplink.window");
    check(next.uplink.max_connections != c.uplink.max_connections, "uplink.max_connections");
    check(next.metrics.enabled != c.metrics.enabled || next.metrics.listen.to_string() != c.metrics.listen.to_string(),
          "metrics.listen");
    check(next.inputs.mqtt.enabled != c.inputs.mqtt.enabled, "inputs.mqtt.url");
    check(next.inputs.http.enabled != c.inputs.http.enabled, "inputs.http.listen");
    return keys;
  }

  static std::string join(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out;
  }

  Config config_;
  net::TlsContext tls_;  // shared with the HTTP client and the WebSocket transport: a reload re-reads its CA
  SystemdNotifier notifier_;
  boost::asio::io_context& io_;
  AsioScheduler& scheduler_;
  SystemRandom random_;
  SystemWallClock clock_;
  TimePoint started_at_;
  TimePoint drain_started_{};
  Counters counters_;
  uplink::Tallies tallies_;
  net::HttpClient http_;
  std::unique_ptr<platforms::Platform> platform_;
  std::unique_ptr<net::WsTransport> transport_;
  std::unique_ptr<buffer::EventBuffer> buffer_;
  DeadLetterFile dead_letter_;
  uplink::Uplink uplink_;
  ingest::Ingest ingest_;
  net::UnixLineServer ingest_server_;
  net::UnixLineServer control_server_;
  std::unique_ptr<net::HttpServer> metrics_server_;  // metrics.listen set
  std::unique_ptr<inputs::HttpInput> http_input_;    // inputs.http.listen set
  std::unique_ptr<inputs::MqttInput> mqtt_input_;    // inputs.mqtt.url set
  boost::asio::signal_set signals_;
  std::unique_ptr<Timer> drain_timer_;
  std::unique_ptr<Timer> grace_timer_;
  std::unique_ptr<Timer> watchdog_timer_;
  std::unique_ptr<Timer> status_timer_;
  std::unique_ptr<Timer> trim_timer_;
  std::uint64_t accepted_at_last_trim_ = 0;
  std::string restart_pending_;  // the keys the last reload could not apply, for status
  bool draining_ = false;
  bool closing_ = false;
};

}  // namespace

int run(Config config) {
  ::signal(SIGXFSZ, SIG_IGN);  // a file-size limit makes a buffer write fail with EFBIG, not kill the agent
  ::prctl(PR_SET_DUMPABLE, 0);  // no core dump, no ptrace by others: memory holds the project key
  auto tls = net::make_client_tls_context({config.collector.ca_file, true});
  if (!tls) {
    log::error("{}", tls.error().message);
    return exit_code_for(tls.error().kind);
  }
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  auto buffer = make_buffer(config, scheduler);  // after the config validated: never touch data for a bad one
  if (!buffer) {
    log::error("{}", buffer.error().message);
    return exit_code_for(buffer.error().kind);
  }
  const auto inherited = take_inherited_sockets();
  Daemon daemon(std::move(config), *tls, inherited, io, scheduler, std::move(*buffer));
  return daemon.run();
}

}  // namespace mf::daemon
