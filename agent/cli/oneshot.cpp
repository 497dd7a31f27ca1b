// The vendor's documented mode: log in, connect, send one event, wait for its
// confirmation, exit. It runs the platform's own parts, once, with no retry:
// any failure is the answer. check-config --connect is the same without the
// event.
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
#include "agent/ingest/ingest.hpp"
#include "agent/net/ws_backend.hpp"
#include "agent/platforms/registry.hpp"
#include "agent/uplink/batch_endpoint.hpp"
#include "agent/uplink/connection.hpp"

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
Expected<uplink::OutgoingEvent> make_event(const Args& args, const Config& config, const ingest::EventPolicy& policy,
                                           const WallClock& clock, std::string& actor_json) {
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
  uplink::OutgoingEvent event;
  event.seq = 1;
  event.accepted_ms = clock.now_ms();
  event.actor = 1;
  event.actor_json = &actor_json;
  event.attributes_json = std::move(parsed->attributes_json);
  return event;
}

// A credential as the daemon would first get it: a kept one refreshed, else a login.
void obtain_credential(auth::CredentialFlow& flow, auth::CredentialFlow::Callback done) {
  if (!flow.can_refresh()) return flow.login(std::move(done));
  flow.refresh([&flow, done](Expected<auth::Grant> grant) {
    if (grant || grant.error().kind != ErrorKind::auth_rejected) return done(std::move(grant));
    flow.forget_refresh();
    flow.login(done);
  });
}

// A platform that takes events as HTTP requests: one batch of one event; or,
// without an event (check-config --connect), the login alone.
class BatchOneShot {
 public:
  BatchOneShot(boost::asio::io_context& io, std::unique_ptr<uplink::BatchEndpoint> endpoint)
      : io_(io), endpoint_(std::move(endpoint)) {}

  void start(const uplink::OutgoingEvent* event) {
    event_ = event;
    obtain_credential(*endpoint_, [this](Expected<auth::Grant> grant) {
      if (!grant) return done(grant.error());
      log::info("logged in: {} for {}", endpoint_->credential_name(), grant->lifetime_source);
      if (event_ == nullptr) {
        std::printf("connected: logged in (%s, valid %s)\n", endpoint_->credential_name().c_str(),
                    format_duration(grant->lifetime).c_str());
        delivered_ = true;
        return io_.stop();
      }
      endpoint_->send({event_}, [this](uplink::BatchResult r) { on_result(std::move(r)); });
    });
  }

  const std::optional<Error>& outcome() const { return outcome_; }
  bool delivered() const { return delivered_; }

 private:
  // Right after a login, a refused credential is a refusal (exit 3, as a refused target).
  void on_result(uplink::BatchResult r) {
    const Error error = uplink::error_of(r);
    if (std::holds_alternative<uplink::batch::CredentialRefused>(r)) {
      return done(make_error(ErrorKind::request_rejected, error.message));
    }
    const uplink::EventOutcome o = uplink::outcomes_of(r, 1).front();
    if (o.kind == uplink::EventOutcome::Kind::rejected) {
      return done(make_error(ErrorKind::event_rejected, "the platform rejected the event: " + o.reason));
    }
    if (o.kind == uplink::EventOutcome::Kind::retry) return done(error);
    delivered_ = true;
    log::info("event delivered");
    io_.stop();
  }

  void done(const Error& error) {
    if (!outcome_) outcome_ = error;
    io_.stop();
  }

  boost::asio::io_context& io_;
  std::unique_ptr<uplink::BatchEndpoint> endpoint_;
  const uplink::OutgoingEvent* event_ = nullptr;
  std::optional<Error> outcome_;
  bool delivered_ = false;
};

class StreamOneShot final : public uplink::ConnectionObserver {
 public:
  StreamOneShot(const Config& config, boost::asio::io_context& io, AsioScheduler& scheduler, net::TlsContext tls,
                std::unique_ptr<uplink::StreamEndpoint> endpoint)
      : config_(config),
        io_(io),
        scheduler_(scheduler),
        endpoint_(std::move(endpoint)),
        transport_(net::make_ws_transport(io, tls, config::ws_options(config, false))) {}

  void start(const uplink::OutgoingEvent* event) {
    event_ = event;
    obtain_credential(*endpoint_, [this](Expected<auth::Grant> grant) {
      if (!grant) return done(grant.error());
      log::info("logged in: {} for {}", endpoint_->credential_name(), grant->lifetime_source);
      grant_ = *grant;
      connection_ = std::make_unique<uplink::Connection>(*transport_, scheduler_, *this,
                                                         uplink::ConnectionOptions{config_.collector.request_timeout, {}},
                                                         endpoint_->new_protocol());
      connection_->start(endpoint_->stream_url());
    });
  }

  const std::optional<Error>& outcome() const { return outcome_; }
  bool delivered() const { return delivered_; }

 private:
  void on_ready() override {
    log::debug("connected to {}", endpoint_->stream_url().to_string());
    if (event_ != nullptr) return static_cast<void>(connection_->send_event(*event_));
    std::printf("connected: logged in (%s, valid %s); the WebSocket %s is open and ready\n",
                endpoint_->credential_name().c_str(), format_duration(grant_.lifetime).c_str(),
                endpoint_->stream_url().to_string().c_str());
    delivered_ = true;
    connection_->close();
  }

  void on_confirmed(std::uint64_t, bool ok, const std::string& reason) override {
    if (ok) {
      delivered_ = true;
      log::info("event delivered");
    } else {
      outcome_ = make_error(ErrorKind::event_rejected, "the collector rejected the event: " + reason);
    }
    connection_->close();
  }

  // Right after a login, a lost session is a refusal; a server failure is a
  // runtime failure (exit 1); a refused target is the configuration's (exit 3).
  void on_not_stored(std::uint64_t, const Error& why) override {
    outcome_ = why;
    if (why.kind == ErrorKind::session_expired) outcome_->kind = ErrorKind::request_rejected;
    connection_->close();
  }

  void on_closed(const Error& why) override {
    if (delivered_ || outcome_) return io_.stop();
    // A refused handshake right after logging in is a refusal, not a lapse of time.
    Error error = why;
    if (error.kind == ErrorKind::session_expired) error.kind = ErrorKind::request_rejected;
    done(error);
  }

  void done(const Error& error) {
    if (!outcome_) outcome_ = error;
    io_.stop();
  }

  const Config& config_;
  boost::asio::io_context& io_;
  AsioScheduler& scheduler_;
  std::unique_ptr<uplink::StreamEndpoint> endpoint_;
  std::unique_ptr<net::WsTransport> transport_;
  std::unique_ptr<uplink::Connection> connection_;
  const uplink::OutgoingEvent* event_ = nullptr;
  auth::Grant grant_;
  std::optional<Error> outcome_;
  bool delivered_ = false;
};

int report(const Error& error) {
  print_error(error);
  return exit_code_for(error.kind);
}

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
  std::optional<uplink::OutgoingEvent> event;
  if (args != nullptr) {
    auto made = make_event(*args, config, platform->event_policy(), clock, actor_json);
    if (!made) return report(made.error());
    event = std::move(*made);
  } else if (platform->link_per_actor() && actor_json.empty()) {
    return report(make_error(ErrorKind::config, "platform " + std::string(platform->name()) +
                                                    " logs in per actor: set `actor` in " + config.source_path +
                                                    " for check-config --connect to log in as"));
  }
  const uplink::OutgoingEvent* one = event ? &*event : nullptr;

  const auto result = [](bool done, const std::optional<Error>& outcome) {
    if (done && !outcome) return 0;
    if (outcome) return report(*outcome);
    return report(make_error(ErrorKind::internal, "the one-shot ended without a result"));
  };
  if (auto endpoint = platform->stream_endpoint(actor_json)) {
    StreamOneShot flow(config, io, scheduler, *tls, std::move(endpoint));
    flow.start(one);
    io.run();
    return result(flow.delivered(), flow.outcome());
  }
  BatchOneShot flow(io, platform->batch_endpoint());
  flow.start(one);
  io.run();
  return result(flow.delivered(), flow.outcome());
}

}  // namespace

int oneshot(const Args& args, const Config& config) { return deliver_once(config, &args); }

int connect_check(const Config& config) { return deliver_once(config, nullptr); }

}  // namespace mf::cli
