#include "agent/platforms/oisp/endpoint.hpp"

#include "agent/auth/jwt.hpp"
#include "agent/common/log.hpp"

// What the credential and the delivery share; each has its own file
// (credential.cpp, delivery.cpp).
namespace mf::oisp {

Endpoint::Endpoint(EndpointDeps deps, const Settings& settings, const net::Url& base, std::string state_path)
    : deps_(deps), settings_(settings), base_(base), state_path_(std::move(state_path)) {
  auto kept = load_state(state_path_);
  if (!kept) {
    log::error("oisp: {}", kept.error().message);
  } else if (kept->onboarded() && kept->device_id != settings_.device_id) {
    log::warn("oisp: {} belongs to device '{}', not '{}'; onboarding this one", state_path_, kept->device_id, settings_.device_id);
  } else if (kept->onboarded() && !settings_.account_id.empty() && kept->account_id != settings_.account_id) {
    log::warn("oisp: {} was onboarded into account '{}', not oisp.account_id '{}'; onboarding again", state_path_,
              kept->account_id, settings_.account_id);
  } else {
    state_ = std::move(*kept);
    if (state_.onboarded()) log::info("oisp: device {} is onboarded ({}); its kept token is renewed", state_.device_id, state_path_);
  }
  state_.device_id = settings_.device_id;
}

void Endpoint::call(const std::string& method, const std::string& path, std::string body, const Secret* bearer, Reply reply) {
  net::HttpRequest request;
  request.method = method;
  request.url = base_;
  request.url.target = base_.join(path);
  request.headers.emplace_back("Accept", "application/json");
  if (bearer != nullptr) request.headers.emplace_back("Authorization", "Bearer " + bearer->reveal());
  request.body = std::move(body);
  log::debug("oisp: {} {}", method, request.url.target);
  deps_.http.request(std::move(request), std::move(reply));
}

auth::Grant Endpoint::grant_for(const Secret& token) const {
  if (auto lifetime = auth::jwt_lifetime(token.reveal())) return {*lifetime, "the device token's exp - iat"};
  return {kDefaultDeviceTokenLifetime, "24 h: the device token says nothing readable"};
}

void Endpoint::save() {
  if (auto ok = save_state(state_path_, state_); !ok) {
    log::error("oisp: the device's tokens could not be kept: {}", ok.error().message);
    kept_ = false;
    return;
  }
  kept_ = true;
}

}  // namespace mf::oisp
