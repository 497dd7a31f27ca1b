#pragma once
// An OISP server's REST API (PLATFORMS.md; the routes, bodies and error codes
// of oisp-frontend's public-interface): user tokens and tokenInfo,
// activation codes, device activation and its kept tokens, refresh with
// rotation, components against a catalog, and the data route with its
// schema, value types, 6402, the rate limit and its headers. Knobs: token
// lifetimes, kill / fail / 429 every N data requests, refused refreshes.
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "agent/common/rapidjson.hpp"
#include "tools/mock-collector/ledger.hpp"
#include "tools/mock-collector/options.hpp"
#include "tools/mock-collector/service.hpp"

namespace mock::oisp {

class OispService final : public Service {
 public:
  explicit OispService(const Options& options);

  HttpReply handle_http(const HttpRequestView& request) override;
  bool websocket_at(std::string_view) const override { return false; }
  void accept_websocket(TlsStream&&, Request) override {}
  void accept_websocket(PlainStream&&, Request) override {}
  std::string stats_json() const override;
  bool take_dirty() override { return std::exchange(dirty_, false); }
  void count_snapshot() override { ++stats_.snapshots; dirty_ = true; }

 private:
  struct Component {
    std::string name;
    std::string type;
  };
  struct Device {
    std::string account;
    std::map<std::string, Component> components;  // cid -> component
  };
  struct DeviceToken {
    std::string device_id;
    Clock::time_point expires;
  };
  struct Stats {
    std::uint64_t token_requests = 0, token_refused = 0, locked = 0, activation_codes = 0, activations = 0;
    std::uint64_t activations_refused = 0, refreshes = 0, refreshes_refused = 0, components_created = 0;
    std::uint64_t component_conflicts = 0, data_requests = 0, data_items = 0, data_partial = 0, data_rejected = 0;
    std::uint64_t rate_limited = 0, kills = 0, fails = 0, expired_tokens = 0, unauthorized = 0, snapshots = 0;
    std::uint64_t max_items_per_request = 0, max_body_bytes = 0;
  };

  HttpReply route(const HttpRequestView& request);
  HttpReply user_token(std::string_view body);
  HttpReply token_info(const std::string& token);
  HttpReply activation_code(const std::string& token, const std::string& account, bool refresh);
  HttpReply activate(const std::string& device_id, std::string_view body);
  HttpReply refresh(const std::string& bearer, std::string_view body);
  HttpReply add_components(const std::string& bearer, const std::string& device_id, std::string_view body);
  HttpReply get_device(const std::string& bearer, const std::string& device_id);
  HttpReply data(const std::string& bearer, const std::string& device_id, std::string_view body);
  // The device a bearer device token speaks for; empty with the refusal in `refusal`.
  std::string device_of(const std::string& bearer, HttpReply& refusal, bool allow_expired = false);
  bool value_fits(const std::string& type, const rapidjson::Value& value) const;
  void rate_headers(HttpReply& reply, std::uint64_t remaining) const;
  std::string jwt(const std::string& subject, std::int64_t lifetime_s);
  std::string random_hex(std::size_t bytes);

  Options options_;
  std::string account_id_ = "5e3b1e6c0a1b2c3d4e5f6a7b";
  std::map<std::string, std::string> catalog_;  // component type -> dataType (Number, String, Boolean)
  std::unordered_map<std::string, Clock::time_point> user_tokens_;
  std::string activation_code_;
  Clock::time_point code_expires_{};
  std::uint64_t failed_logins_ = 0;
  Clock::time_point locked_until_{};
  std::map<std::string, Device> devices_;
  std::unordered_map<std::string, DeviceToken> device_tokens_;
  std::unordered_map<std::string, std::string> refresh_tokens_;  // refresh token -> device (used once)
  std::uint64_t refresh_attempts_ = 0;
  Clock::time_point rate_window_start_{};
  std::uint64_t rate_hits_ = 0;
  Ledger ledger_;
  Stats stats_;
  bool dirty_ = true;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mock::oisp
