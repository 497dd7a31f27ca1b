// The device token: onboarding (a user's password, or the operator's
// activation code), kept tokens, refresh.
#include "agent/common/kept_file.hpp"
#include "agent/common/log.hpp"
#include "agent/platforms/oisp/endpoint.hpp"
#include "agent/platforms/oisp/errors.hpp"

namespace mf::oisp {
namespace {

constexpr int kRefreshRefused = 15000;

}  // namespace

void Endpoint::login(Callback done) {
  if (!settings_.username.empty()) return onboard_with_user(std::move(done));
  if (!settings_.activation_code.empty()) return activate(settings_.activation_code, std::move(done));
  done(fail(ErrorKind::auth_rejected, std::string(state_.onboarded() ? "the kept refresh token was refused" : "the device is not "
                                                                                                            "onboarded") +
                                          " and nothing in the config can onboard it: set oisp.activation_code (a fresh "
                                          "one) or oisp.username with a password; the events stay buffered"));
}

void Endpoint::onboard_with_user(Callback done) {
  log::info("oisp: onboarding device {} as user {}", settings_.device_id, settings_.username);
  call("POST", "/v1/api/auth/token", token_body(settings_.username, settings_.password), nullptr,
       [this, done](Expected<net::HttpResponse> r) {
         if (!r) return done(fail(r.error()));
         if (!success(r->status)) {
           return done(fail(refusal(*r, "the user's login", "check oisp.username and the password")));
         }
         auto user = parse_user_token(*r);
         if (!user) return done(fail(user.error()));
         auto token = std::make_shared<Secret>(std::move(*user));
         call("GET", "/v1/api/auth/tokenInfo", {}, token.get(), [this, done, token](Expected<net::HttpResponse> info_r) {
           if (!info_r) return done(fail(info_r.error()));
           if (!success(info_r->status)) return done(fail(refusal(*info_r, "tokenInfo", "check the user's roles")));
           auto info = parse_token_info(*info_r);
           if (!info) return done(fail(info.error()));
           if (info->lifetime) log::debug("oisp: the user token is valid for {} s", info->lifetime->count() / 1000);
           std::string account = settings_.account_id;
           if (account.empty()) {
             if (info->accounts.size() != 1) {
               return done(fail(ErrorKind::auth_rejected, "the user " + settings_.username + " belongs to " +
                                                              std::to_string(info->accounts.size()) +
                                                              " accounts: set oisp.account_id to the one to onboard into"));
             }
             account = info->accounts.front();
           }
           const std::string code_path = "/v1/api/accounts/" + account + "/activationcode";
           call("PUT", code_path + "/refresh", {}, token.get(), [this, done, token, code_path](Expected<net::HttpResponse> refreshed) {
             if (!refreshed) return done(fail(refreshed.error()));
             if (!success(refreshed->status)) {
               return done(fail(refusal(*refreshed, "a new activation code", "check oisp.account_id and that the user is its admin")));
             }
             call("GET", code_path, {}, token.get(), [this, done](Expected<net::HttpResponse> got) {
               if (!got) return done(fail(got.error()));
               if (!success(got->status)) return done(fail(refusal(*got, "the activation code", "check oisp.account_id")));
               auto code = parse_activation_code(*got);
               if (!code) return done(fail(code.error()));
               activate(*code, done);
             });
           });
         });
       });
}

void Endpoint::activate(const Secret& code, Callback done) {
  // The code is spent by the activation, and only the kept token outlives it.
  if (auto ok = check_kept_directory(state_path_); !ok) {
    return done(fail(ErrorKind::config, "the device token could not be kept (" + ok.error().message +
                                            "), so device " + settings_.device_id +
                                            " is not activated: the activation code would be spent for nothing"));
  }
  call("PUT", "/v1/api/devices/" + settings_.device_id + "/activation", activation_body(code), nullptr,
       [this, done](Expected<net::HttpResponse> r) {
         if (!r) return done(fail(r.error()));
         if (!success(r->status)) {
           return done(fail(refusal(*r, "the activation of device " + settings_.device_id,
                                    "an activation code is valid for one hour: give a fresh one in oisp.activation_code, or "
                                    "set oisp.username with a password")));
         }
         auto tokens = parse_activation(*r);
         if (!tokens) return done(fail(tokens.error()));
         keep(std::move(*tokens), done, "activated");
       });
}

void Endpoint::keep(DeviceTokens tokens, Callback done, const char* how) {
  const bool activation = std::string_view(how) == "activated";
  if (activation) {
    state_.components.clear();  // a new device knows none of them
    stored_.clear();
  }
  state_.device_token = std::move(tokens.device_token);
  if (!tokens.refresh_token.empty()) state_.refresh_token = std::move(tokens.refresh_token);
  if (!tokens.account_id.empty()) state_.account_id = std::move(tokens.account_id);
  if (state_.account_id.empty()) state_.account_id = settings_.account_id;
  save();
  if (activation && kept_) log::info("oisp: device {} {} in account {}; its tokens are kept in {}", state_.device_id, how, state_.account_id, state_path_);
  done(grant_for(state_.device_token));
}

void Endpoint::refresh(Callback done) {
  call("PUT", "/v1/api/auth/refresh", refresh_body(state_.refresh_token), &state_.device_token,
       [this, done](Expected<net::HttpResponse> r) {
         if (!r) return done(fail(r.error()));
         if (!success(r->status)) {
           const ServerError e = server_error(*r);
           if (r->status == 401 || r->status == 403 || e.code == kRefreshRefused || (r->status >= 400 && r->status < 500)) {
             return done(fail(ErrorKind::auth_rejected, "OISP refused the device's refresh token (" + describe(e) + ")"));
           }
           return done(fail(refusal(*r, "the token refresh", "")));
         }
         auto tokens = parse_refresh(*r);
         if (!tokens) return done(fail(tokens.error()));
         keep(std::move(*tokens), done, "refreshed");
       });
}

void Endpoint::forget_refresh() {
  state_.refresh_token = Secret();
  save();
}

}  // namespace mf::oisp
