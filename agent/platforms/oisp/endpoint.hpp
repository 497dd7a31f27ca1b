#pragma once
// The agent as an OISP device. Onboarding happens once: with a user's
// password (user token, the account, a fresh activation code, activation) or
// with the operator's activation code. The device token and its refresh token
// are kept in state_directory; after a restart the kept refresh token renews
// them, and a second activation happens only when that is refused.
//
// Events travel as POST /v1/api/data/{deviceId}: one item per attribute,
// `on` = when the agent accepted the event, the actor as the item's
// `attributes`. Each attribute is a component, registered once (its cid,
// chosen by the agent, is kept too).
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/common/random.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/net/http_client.hpp"
#include "agent/platforms/oisp/settings.hpp"
#include "agent/platforms/oisp/state.hpp"
#include "agent/platforms/oisp/wire.hpp"
#include "agent/uplink/batch_endpoint.hpp"

namespace mf::oisp {

// Newer servers give device tokens 24 hours (old ones 10 years); when the JWT says nothing readable.
constexpr Duration kDefaultDeviceTokenLifetime{24 * 3'600'000};

struct EndpointDeps {
  net::HttpClient& http;
  const WallClock& clock;
  Random& random;
};

class Endpoint final : public uplink::BatchEndpoint {
 public:
  Endpoint(EndpointDeps deps, const Settings& settings, const net::Url& base, std::string state_path);

  void login(Callback done) override;
  bool can_refresh() const override { return state_.onboarded() && !state_.refresh_token.empty(); }
  void refresh(Callback done) override;
  void forget_refresh() override;
  std::string credential_name() const override { return "device token"; }

  uplink::BatchLimits limits() const override;
  uplink::EventCost cost(const uplink::OutgoingEvent& event) override;
  void send(const std::vector<const uplink::OutgoingEvent*>& events, std::function<void(uplink::BatchResult)> done) override;

 private:
  struct Delivery;
  using Reply = std::function<void(Expected<net::HttpResponse>)>;

  void call(const std::string& method, const std::string& path, std::string body, const Secret* bearer, Reply reply);
  void onboard_with_user(Callback done);
  void activate(const Secret& code, Callback done);
  void keep(DeviceTokens tokens, Callback done, const char* how);
  auth::Grant grant_for(const Secret& token) const;
  void save();

  void register_components(std::shared_ptr<Delivery> d);
  void recover_component(std::shared_ptr<Delivery> d, ComponentSpec wanted);
  void post_data(std::shared_ptr<Delivery> d);
  void on_data_answer(std::shared_ptr<Delivery> d, const net::HttpResponse& response);
  void settle_partial_answer(std::shared_ptr<Delivery> d, const ServerError& error);
  void settle_partial(std::shared_ptr<Delivery> d, std::vector<std::string> stored_cids);
  static uplink::BatchResult with_unusable(const Delivery& d, uplink::BatchResult posted_result);
  void finish(std::shared_ptr<Delivery> d, uplink::BatchResult result);

  EndpointDeps deps_;
  const Settings& settings_;
  net::Url base_;
  std::string state_path_;
  bool kept_ = true;  // the latest save() kept the tokens
  DeviceState state_;
  std::map<std::uint64_t, std::set<std::string>> stored_;  // event seq -> attributes already stored (after a 6402)
};

}  // namespace mf::oisp
