#pragma once
// A simulated Manufactory collector for the uplink's unit tests, on the fake
// clock: endpoints whose login grants sessions, and a WsTransport whose
// connections greet, pair and answer events by themselves. It checks the
// protocol rules the real mock collector checks: pairing with a live session,
// and no event on an expired one.
#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "agent/common/json.hpp"
#include "agent/net/ws_transport.hpp"
#include "agent/platforms/manufactory/messages.hpp"
#include "agent/platforms/manufactory/protocol.hpp"
#include "agent/uplink/stream_protocol.hpp"
#include "tests/support/fake_scheduler.hpp"

namespace mf::test {

class SimCollector final : public net::WsTransport {
 public:
  explicit SimCollector(FakeScheduler& scheduler) : scheduler_(scheduler) {}

  // ---- knobs
  Duration ttl{std::chrono::hours(12)};
  Duration reply_delay{0};
  std::deque<Error> auth_failures;   // the next auth calls fail with these, in order
  std::size_t refuse_pairings = 0;   // refuse the next N pairings as if the session expired
  std::size_t kill_after_events = 0;  // close each connection after this many events (0: never)
  std::function<std::string(const std::string& attributes)> reject_if;  // non-empty reason: reject
  std::function<bool(const std::string& attributes)> kill_on;  // true: the connection dies, the event unstored (a poison)
  std::function<bool(const std::string& attributes)> silent_on;  // true: the connection answers nothing more (hangs)

  // ---- what happened
  std::vector<TimePoint> auth_times;
  std::map<std::string, std::vector<std::int64_t>> received;  // actor_json -> seq values in arrival order
  std::size_t events_on_expired_session = 0;
  std::size_t connections_opened = 0;
  std::size_t max_open_connections = 0;
  std::size_t open_connections = 0;
  std::size_t max_in_flight = 0;  // events received on one connection and not yet answered, at most

  using Granted = std::function<void(Expected<manufactory::Session>)>;
  void authenticate(const std::string& actor_json, Granted callback) {
    auth_times.push_back(scheduler_.now());
    if (!auth_failures.empty()) {
      Error e = auth_failures.front();
      auth_failures.pop_front();
      scheduler_.post([callback, e] { callback(fail(e)); });
      return;
    }
    manufactory::Session s;
    s.org_id = "org";
    s.project_id = 1;
    s.actor_profile_id = static_cast<std::int64_t>(actor_ids_.emplace(actor_json, actor_ids_.size() + 1).first->second);
    s.client_uuid = Secret("uuid-" + std::to_string(auth_times.size()));
    sessions_[s.client_uuid.reveal()] = {actor_json, scheduler_.now() + ttl};
    scheduler_.post([callback, s] { callback(s); });
  }

  std::unique_ptr<net::WsConnection> connect(const net::Url&, net::WsConnection::Handlers handlers) override;

  void kill_all() {
    for (auto* c : live_) c->drop("killed by the test");
  }

 private:
  struct SessionInfo {
    std::string actor_json;
    TimePoint expires_at;
  };

  class Conn final : public net::WsConnection {
   public:
    Conn(SimCollector& sim, Handlers h) : sim_(sim), handlers_(std::move(h)), alive_(std::make_shared<bool>(true)) {
      sim_.live_.push_back(this);
      ++sim_.connections_opened;
      sim_.max_open_connections = std::max(sim_.max_open_connections, ++sim_.open_connections);
      later([this] {
        handlers_.on_open();
        reply("Manufactory Collector");
      });
    }
    ~Conn() override {
      *alive_ = false;
      forget();
    }
    void send(std::string_view text) override;
    void close(std::string_view) override {
      later([this] { drop("closed by the agent"); });
    }
    std::size_t buffered_bytes() const override { return 0; }

    void drop(const std::string& why) {
      if (closed_) return;
      closed_ = true;
      forget();
      auto on_closed = std::move(handlers_.on_closed);
      handlers_ = {};
      if (on_closed) on_closed(make_error(ErrorKind::network, why));
    }

   private:
    void forget() {
      auto& live = sim_.live_;
      const auto before = live.size();
      live.erase(std::remove(live.begin(), live.end(), this), live.end());
      if (live.size() != before) --sim_.open_connections;
    }
    template <class F>
    void later(F f, Duration delay = Duration(0)) {
      std::weak_ptr<bool> alive = alive_;
      auto run = [alive, f] {
        if (auto a = alive.lock(); a && *a) f();
      };
      if (delay.count() == 0) return sim_.scheduler_.post(run);
      timers_.push_back(sim_.scheduler_.make_timer());
      timers_.back()->start(delay, run);
    }
    void reply(std::string text) {
      later([this, text] {
        if (!closed_ && handlers_.on_message) handlers_.on_message(text);
      }, sim_.reply_delay);
    }
    void answer(std::string text) {  // an event's reply
      later([this, text] {
        --unanswered_;
        if (!closed_ && handlers_.on_message) handlers_.on_message(text);
      }, sim_.reply_delay);
    }

    SimCollector& sim_;
    Handlers handlers_;
    std::shared_ptr<bool> alive_;
    std::vector<std::unique_ptr<Timer>> timers_;
    bool closed_ = false;
    std::string actor_json_;
    TimePoint expires_at_{};
    std::size_t events_ = 0;
    std::size_t unanswered_ = 0;
    bool hung_ = false;
  };

  FakeScheduler& scheduler_;
  std::map<std::string, SessionInfo> sessions_;
  std::map<std::string, std::size_t> actor_ids_;
  std::vector<Conn*> live_;
};

inline std::unique_ptr<net::WsConnection> SimCollector::connect(const net::Url&, net::WsConnection::Handlers handlers) {
  return std::make_unique<Conn>(*this, std::move(handlers));
}

inline void SimCollector::Conn::send(std::string_view text) {
  if (closed_) return;
  auto doc = json::parse_untrusted(text, {1 << 20, 64});
  const char* type = json::find_string(*doc, "type");
  if (std::string_view(type) == "auth") {
    auto it = sim_.sessions_.find(json::find_string(*doc, "client_uuid"));
    const bool refuse = sim_.refuse_pairings > 0;
    if (refuse) --sim_.refuse_pairings;
    if (refuse || it == sim_.sessions_.end() || it->second.expires_at <= sim_.scheduler_.now()) {
      return reply(R"({"type":"auth","status":"error","message":"session expired"})");
    }
    actor_json_ = it->second.actor_json;
    expires_at_ = it->second.expires_at;
    return reply(R"({"type":"auth","status":"ok"})");
  }
  if (sim_.scheduler_.now() >= expires_at_) ++sim_.events_on_expired_session;
  const auto& attrs = (*doc)["attributes"];
  if (sim_.kill_on && sim_.kill_on(json::to_string(attrs))) return later([this] { drop("killed by a poison event"); });
  if (hung_ || (sim_.silent_on && sim_.silent_on(json::to_string(attrs)))) {
    hung_ = true;
    return;
  }
  const auto* seq = json::find(attrs, "seq");
  sim_.received[actor_json_].push_back(seq != nullptr && seq->IsInt64() ? seq->GetInt64() : -1);
  if (sim_.kill_after_events != 0 && ++events_ >= sim_.kill_after_events) {
    return later([this] { drop("killed after N events"); });
  }
  const std::string reason = sim_.reject_if ? sim_.reject_if(json::to_string(attrs)) : std::string();
  sim_.max_in_flight = std::max(sim_.max_in_flight, ++unanswered_);
  answer(reason.empty() ? R"({"type":"event","status":"ok"})"
                       : R"({"type":"event","status":"error","message":")" + reason + R"("})");
}

}  // namespace mf::test

namespace mf::test {

// One actor's endpoint on the simulated collector: the real Manufactory protocol.
class SimEndpoint final : public uplink::StreamEndpoint {
 public:
  SimEndpoint(SimCollector& sim, std::string actor_json) : sim_(sim), actor_json_(std::move(actor_json)) {}
  void login(Callback done) override {
    sim_.authenticate(actor_json_, [this, done](Expected<manufactory::Session> s) {
      if (!s) return done(fail(s.error()));
      session_ = *s;
      done(auth::Grant{sim_.ttl, "the simulated session.ttl"});
    });
  }
  std::string credential_name() const override { return "session"; }
  const net::Url& stream_url() const override { return url_; }
  std::unique_ptr<uplink::StreamProtocol> new_protocol() override {
    return std::make_unique<manufactory::Protocol>(manufactory::pair_message(session_));
  }
  bool connection_bound_to_credential() const override { return true; }

 private:
  SimCollector& sim_;
  std::string actor_json_;
  manufactory::Session session_;
  net::Url url_ = *net::parse_url("wss://collector.test/ws");
};

}  // namespace mf::test
