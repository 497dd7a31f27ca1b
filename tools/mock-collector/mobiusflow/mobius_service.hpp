#pragma once
// A MobiusFlow Engine API v1 (PLATFORMS.md; closed source, so this is the only
// peer): login and refresh with rotation (a used refresh token is refused),
// tokens with lifetimes, 16-slot priority arrays per resource written by
// PATCH per object or per resource and read back, 401/404/400/503, and knobs:
// kill every N writes after applying, 503 every N, refuse every N-th refresh,
// a reply delay, stats.
#include <array>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "agent/common/rapidjson.hpp"
#include "tools/mock-collector/ledger.hpp"
#include "tools/mock-collector/options.hpp"
#include "tools/mock-collector/service.hpp"

namespace mock::mobiusflow {

class MobiusService final : public Service {
 public:
  explicit MobiusService(const Options& options);

  HttpReply handle_http(const HttpRequestView& request) override;
  bool websocket_at(std::string_view) const override { return false; }
  void accept_websocket(TlsStream&&, Request) override {}
  void accept_websocket(PlainStream&&, Request) override {}
  std::string stats_json() const override;
  bool take_dirty() override { return std::exchange(dirty_, false); }
  void count_snapshot() override { ++stats_.snapshots; dirty_ = true; }

 private:
  struct Resource {
    std::array<std::optional<std::string>, 16> slots;  // JSON values by priority, 1 (highest) first
    std::uint64_t writes = 0;
    std::string last_written;
  };
  struct Stats {
    std::uint64_t logins = 0, logins_refused = 0, refreshes = 0, refreshes_refused = 0, writes = 0, values_written = 0;
    std::uint64_t writes_with_expired_token = 0, unauthorized = 0, fails = 0, kills = 0, not_found = 0, bad_requests = 0;
    std::uint64_t reads = 0, snapshots = 0;
  };

  HttpReply route(const HttpRequestView& request);
  HttpReply login(std::string_view body);
  HttpReply refresh(std::string_view body);
  HttpReply write(const std::string& object, const std::string& rid, std::string_view body);
  HttpReply read(const std::string& uri);
  // Empty when the bearer is a live token; else the refusal.
  std::optional<HttpReply> check_token(const HttpRequestView& request);
  std::pair<std::string, std::string> issue();
  std::string jwt(std::int64_t lifetime_s, bool refresh);
  bool known_object(const std::string& object) const;

  Options options_;
  std::set<std::string> objects_;                 // --points: the objects that exist; empty: any
  std::map<std::string, Resource> resources_;     // uri -> resource
  std::unordered_map<std::string, Clock::time_point> tokens_;
  std::unordered_map<std::string, Clock::time_point> refresh_tokens_;  // used once
  std::uint64_t refresh_attempts_ = 0;
  Ledger ledger_;
  Stats stats_;
  bool dirty_ = true;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mock::mobiusflow
