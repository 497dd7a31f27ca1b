// The vendor's documented mode: authenticate, connect, pair, send one event,
// wait for its reply, exit. It runs the same parts as the daemon, once.
#include <boost/asio/io_context.hpp>

#include <optional>

#include "agent/auth/manufactory_authenticator.hpp"
#include "agent/cli/commands.hpp"
#include "agent/common/asio_scheduler.hpp"
#include "agent/common/base64.hpp"
#include "agent/common/log.hpp"
#include "agent/event/attributes.hpp"
#include "agent/net/websocketpp/websocketpp_transport.hpp"
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

class OneShot final : public uplink::ConnectionObserver {
 public:
  OneShot(const Config& config, boost::asio::io_context& io, net::TlsContext tls)
      : config_(config),
        io_(io),
        scheduler_(io),
        http_(io, tls, {config.collector.connect_timeout, config.collector.request_timeout, config.collector.max_response_bytes}),
        authenticator_(http_, scheduler_,
                       {config.collector.url, config.org_id, config.project_id, config.project_key, config.session.ttl}),
        transport_(net::make_websocketpp_transport(io, tls, {config.collector.connect_timeout, config.collector.max_message_bytes})),
        connection_(*transport_, scheduler_, *this, {config.collector.request_timeout}) {}

  void start(const std::string& actor_json, std::string event_json) {
    event_json_ = std::move(event_json);
    authenticator_.authenticate(actor_json, [this](Expected<auth::Session> session) {
      if (!session) return done(session.error());
      log::info("authenticated: actor_profile_id {}", session->actor_profile_id);
      connection_.start(config_.collector.ws_url, *session);
    });
  }

  const std::optional<Error>& outcome() const { return outcome_; }
  bool delivered() const { return delivered_; }

 private:
  void on_paired() override {
    log::debug("paired with {}", config_.collector.ws_url.to_string());
    connection_.send_event(event_json_);
  }

  void on_event_reply(bool ok, const std::string& reason) override {
    if (ok) {
      delivered_ = true;
      log::info("event delivered");
    } else {
      outcome_ = make_error(ErrorKind::event_rejected, "the collector rejected the event: " + reason);
    }
    connection_.close();
  }

  void on_closed(const Error& why) override {
    if (delivered_ || outcome_) return io_.stop();
    // A refused pairing right after authenticating is a refusal, not a lapse of time.
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
  AsioScheduler scheduler_;
  net::HttpClient http_;
  auth::ManufactoryAuthenticator authenticator_;
  std::unique_ptr<net::WsTransport> transport_;
  uplink::Connection connection_;
  std::string event_json_;
  std::optional<Error> outcome_;
  bool delivered_ = false;
};

int report(const Error& error) {
  print_error(error);
  return exit_code_for(error.kind);
}

}  // namespace

int oneshot(const Args& args, const Config& config) {
  std::string actor_json = config.actor_json;
  if (args.actor_base64) {
    auto actor = decode_attributes(*args.actor_base64, "actor");
    if (!actor) return report(actor.error());
    actor_json = *actor;
  } else if (actor_json.empty()) {
    return report(make_error(ErrorKind::usage, "no actor: pass --actor=<base64 JSON> or set `actor` in " + config.source_path));
  }
  auto event_json = decode_attributes(*args.event_base64, "event");
  if (!event_json) return report(event_json.error());

  auto tls = net::make_client_tls_context({config.collector.ca_file, true});
  if (!tls) return report(tls.error());

  boost::asio::io_context io;
  OneShot flow(config, io, *tls);
  flow.start(actor_json, *event_json);
  io.run();
  if (flow.delivered() && !flow.outcome()) return 0;
  if (flow.outcome()) return report(*flow.outcome());
  return report(make_error(ErrorKind::internal, "the one-shot ended without a result"));
}

}  // namespace mf::cli
