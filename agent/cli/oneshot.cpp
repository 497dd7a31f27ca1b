// The vendor's documented mode: log in, connect, send one event, wait for its
// confirmation, exit. It runs the daemon's link (LinkCore, the platform's
// StreamLink or BatchLink) over a buffer of one event, in one-shot mode: no
// retry, the first failure is the answer. check-config --connect is the same
// without the event.
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <optional>

#include "agent/cli/commands.hpp"
#include "agent/common/asio_scheduler.hpp"
#include "agent/common/base64.hpp"
#include "agent/common/log.hpp"
#include "agent/common/units.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/config/net_options.hpp"
#include "agent/event/attributes.hpp"
#include "agent/event/envelope.hpp"
#include "agent/buffer/memory_buffer.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/net/ws_backend.hpp"
#include "agent/platforms/registry.hpp"
#include "agent/uplink/link.hpp"

namespace mf::cli {
namespace {

Expected<std::string> decode_attributes(const std::string& base64, std::string_view what) {
  auto json = base64_decode(base64);
  if (!json) {
    return fail(ErrorKind::usage, "--" + std::string(what) + " is " + json.error().message +
                                      "; pass base64 of a JSON object, e.g. $(echo -n '{\"a\":1}' | base64 -w0)");
  }
  auto normalized = event::normalize_attributes(*json, what, event::Limits{});
  if (!normalized) return fail(ErrorKind::usage, "--" + normalized.error().message);
  return normalized;
}

// The event as the daemon would buffer it: through the platform's policy.
// Sets actor_json to the actor it goes under; returns its attributes.
Expected<std::string> make_event(const Args& args, const Config& config, const ingest::EventPolicy& policy,
                                 std::string& actor_json) {
  actor_json = config.actor_json;
  if (args.actor_base64) {
    auto actor = decode_attributes(*args.actor_base64, "actor");
    if (!actor) return fail(actor.error());
    actor_json = *actor;
  }
  if (policy.actors() == ingest::Actors::none) actor_json = ingest::kNoActor;
  if (actor_json.empty()) {
    if (policy.actors() == ingest::Actors::required) {
      return fail(ErrorKind::usage, "no actor: pass --actor=<base64 JSON> or set `actor` in " + config.source_path);
    }
    actor_json = ingest::kNoActor;
  }
  auto attributes = decode_attributes(*args.event_base64, "event");
  if (!attributes) return fail(attributes.error());
  const std::string line = actor_json == ingest::kNoActor ? *attributes : event::envelope_json(actor_json, *attributes);
  auto parsed = ingest::parse_line(line, {config.ingest.max_event_bytes, static_cast<int>(config.ingest.max_depth)}, &policy);
  if (!parsed) return fail(ErrorKind::usage, "--event: " + parsed.error().message);
  return std::move(parsed->attributes_json);
}

constexpr buffer::ActorId kActor = 1;
constexpr uplink::LinkId kLink = 1;
constexpr Duration kCloseLimit{2'000};

uplink::LinkSettings one_shot_settings(const Config& c) {
  uplink::LinkSettings s;
  s.connection.request_timeout = c.collector.request_timeout;
  s.in_flight = {static_cast<std::size_t>(c.uplink.window), c.uplink.window_bytes, 1};
  s.max_attempts = 1;
  s.backoff = {c.uplink.backoff_base, c.uplink.backoff_cap, c.uplink.backoff_reset};
  s.credential = {c.session.reauth_before, s.backoff, c.uplink.auth_refused_retry};
  s.one_shot = true;
  return s;
}

int report(const Error& error) {
  print_error(error);
  return exit_code_for(error.kind);
}

// The daemon's link, for one event (or none: check-config --connect), with no
// retry: the first failure is the answer. Its end stops the loop.
class OneShot final : public uplink::LinkListener {
 public:
  OneShot(const Config& config, boost::asio::io_context& io, AsioScheduler& scheduler, buffer::EventBuffer& buffer)
      : config_(config), io_(io), close_limit_(scheduler.make_timer()), buffer_(buffer) {}

  void run(uplink::Link& link, bool with_event) {
    link_ = &link;
    with_event_ = with_event;
    link.start();
    if (with_event) link.on_buffered(kActor);
    io_.run();
  }

  // The platform's answer to the event: rejected, the link's verdict is exit 3.
  void on_rejected(const std::string& reason) { rejected_ = reason; }

  int exit_code() const {
    if (outcome_) return report(*outcome_);
    if (rejected_) return report(make_error(ErrorKind::event_rejected, "the platform rejected the event: " + *rejected_));
    if (done_) return 0;
    return report(make_error(ErrorKind::internal, "the one-shot ended without a result"));
  }

  // ---- uplink::LinkListener
  void on_drained(uplink::LinkId) override {
    if (!with_event_ || buffer_.stats().events > 0) return;
    if (!rejected_) log::info("event delivered");
    done_ = true;
    close();
  }

  void on_link_ready(uplink::LinkId) override {
    if (with_event_) return;
    std::string expiry;
    if (auto at = link_->credential_expires_at()) {
      expiry = ", valid " + format_duration(std::chrono::duration_cast<Duration>(*at - Clock::now()));
    }
    if (config_.platform->streams()) {
      std::printf("connected: logged in%s; the WebSocket %s is open and ready\n", expiry.c_str(),
                  config_.collector.ws_url.to_string().c_str());
    } else {
      std::printf("connected: logged in%s\n", expiry.c_str());
    }
    done_ = true;
    close();
  }

  // Right after a login, a lost or refused session is a refusal (exit 3), not a lapse of time.
  void on_link_failed(uplink::LinkId, const Error& why) override {
    outcome_ = why;
    if (why.kind == ErrorKind::session_expired) outcome_->kind = ErrorKind::request_rejected;
    close();
  }

  void on_link_closed(uplink::LinkId) override { io_.stop(); }

 private:
  void close() {
    if (closing_) return;
    closing_ = true;
    close_limit_->start(kCloseLimit, [this] { io_.stop(); });
    link_->close();
  }

  const Config& config_;
  boost::asio::io_context& io_;
  std::unique_ptr<Timer> close_limit_;
  buffer::EventBuffer& buffer_;
  uplink::Link* link_ = nullptr;
  bool with_event_ = false;
  bool closing_ = false;
  bool done_ = false;
  std::optional<Error> outcome_;
  std::optional<std::string> rejected_;
};

// Logs in and delivers the event; without one, logs in and opens the link.
int deliver_once(const Config& config, const Args* args) {
  auto tls = net::make_client_tls_context({config.collector.ca_file, true});
  if (!tls) return report(tls.error());

  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  SystemWallClock clock;
  Counters counters;
  net::HttpClient http(io, *tls, config::http_options(config));
  SystemRandom random;
  auto platform = platforms::make_platform(config, {scheduler, clock, http, counters, random});
  if (auto ok = platform->load(); !ok) return report(ok.error());
  platform->start(false, [] {});  // the schemas, when pulled: fetched before the event is checked
  io.run();
  io.restart();
  std::string actor_json = config.actor_json;
  std::optional<std::string> attributes;
  if (args != nullptr) {
    auto made = make_event(*args, config, platform->event_policy(), actor_json);
    if (!made) return report(made.error());
    attributes = std::move(*made);
  } else if (platform->link_per_actor() && actor_json.empty()) {
    return report(make_error(ErrorKind::config, "platform " + std::string(platform->name()) +
                                                    " logs in per actor: set `actor` in " + config.source_path +
                                                    " for check-config --connect to log in as"));
  }
  if (actor_json.empty()) actor_json = ingest::kNoActor;

  buffer::MemoryBuffer buffer({1, config.buffer.max_bytes, buffer::Overflow::reject_new});
  buffer.describe_actor(kActor, actor_json);
  if (attributes) {
    if (auto pushed = buffer.push(kActor, std::move(*attributes), clock.now_ms()); !pushed.accepted) {
      return report(make_error(ErrorKind::usage, "--event: " + pushed.reason));
    }
  }
  OneShot one_shot(config, io, scheduler, buffer);
  uplink::Tallies tallies;
  auto transport = net::make_ws_transport(io, *tls, config::ws_options(config, false));
  uplink::LinkDeps deps{scheduler, random, buffer, counters, tallies,
                        [&one_shot](const std::string&, const std::string&, const std::string& reason) {
                          one_shot.on_rejected(reason);
                        },
                        transport.get()};
  const uplink::LinkSettings settings = one_shot_settings(config);
  auto link = platform->make_link(kLink, platform->link_per_actor() ? actor_json : std::string(), deps, settings, one_shot);
  link->add_actor(kActor, actor_json);
  one_shot.run(*link, args != nullptr);
  return one_shot.exit_code();
}

}  // namespace

int oneshot(const Args& args, const Config& config) { return deliver_once(config, &args); }

int connect_check(const Config& config) { return deliver_once(config, nullptr); }

}  // namespace mf::cli
