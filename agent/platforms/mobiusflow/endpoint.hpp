#pragma once
// The agent as a MobiusFlow Engine API v1 client: POST /api/v1/auth/login,
// then POST /api/v1/auth/refresh before the token's exp (its JWT's exp - iat;
// 10 minutes when unreadable), keeping the newest refresh token while its own
// exp allows; a refused refresh, or a refresh token past its exp, means a
// password login. Each event's attributes are grouped by object and written
// with one PATCH per object at the configured priority; the objects are the
// event's order keys, so writes to one point keep the order of acceptance.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/net/http_client.hpp"
#include "agent/platforms/mobiusflow/settings.hpp"
#include "agent/uplink/batch_endpoint.hpp"

namespace mf::mobiusflow {

// The Engine API's documentation: a token expires 10 minutes after it is made.
constexpr Duration kDefaultTokenLifetime{600'000};

class Endpoint final : public uplink::BatchEndpoint {
 public:
  Endpoint(net::HttpClient& http, Scheduler& scheduler, const Settings& settings, const net::Url& base);

  void login(Callback done) override;
  bool can_refresh() const override;
  void refresh(Callback done) override;
  void forget_refresh() override { refresh_token_ = Secret(); }
  std::string credential_name() const override { return "token"; }

  uplink::BatchLimits limits() const override;
  uplink::EventCost cost(const uplink::OutgoingEvent& event) override;
  void order_keys(const uplink::OutgoingEvent& event, std::vector<std::uint64_t>& keys) override;
  void send(const std::vector<const uplink::OutgoingEvent*>& events, std::function<void(uplink::BatchResult)> done) override;

 private:
  struct Write;
  void post_auth(const std::string& path, std::string body, bool refreshing, Callback done);
  static uplink::BatchResult result_of(const Write& w);
  void on_written(std::shared_ptr<Write> w, const std::string& object, Expected<net::HttpResponse> response);

  net::HttpClient& http_;
  Scheduler& scheduler_;
  const Settings& settings_;
  net::Url base_;
  std::map<std::string, std::string> object_of_;  // attribute -> its point's object
  Secret token_;
  Secret refresh_token_;
  TimePoint refresh_expires_{};
  std::map<std::uint64_t, std::set<std::string>> written_;  // event seq -> objects already written (a retry writes the rest)
};

}  // namespace mf::mobiusflow
