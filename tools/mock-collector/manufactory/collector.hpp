#pragma once
// The Manufactory collector's behaviour, apart from sockets: /auth, the REST
// calls, the schema calls, and what a paired WebSocket answers. Everything it
// counts is in stats_json().
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/common/rapidjson.hpp"
#include "tools/mock-collector/hostility.hpp"
#include "tools/mock-collector/ledger.hpp"
#include "tools/mock-collector/options.hpp"
#include "tools/mock-collector/service.hpp"

namespace mock::manufactory {

struct SchemaAttribute {
  std::string name;
  std::string display_name;
  std::string data_type;
};

struct Schema {
  std::vector<SchemaAttribute> attributes;
  std::string unique_id;
};

// What one WebSocket connection has established.
struct Peer {
  bool paired = false;
  std::int64_t actor_profile_id = 0;
  Clock::time_point expires_at{};
  std::uint64_t events = 0;
};

class Collector final : public Service {
 public:
  explicit Collector(const Options& options);

  HttpReply handle_http(const HttpRequestView& request) override;
  bool websocket_at(std::string_view target) const override { return target == "/ws"; }
  void accept_websocket(TlsStream&& stream, Request request) override;
  void accept_websocket(PlainStream&& stream, Request request) override;
  std::string stats_json() const override;
  bool take_dirty() override { return std::exchange(dirty_, false); }
  void count_snapshot() override { ++stats_.snapshots; dirty_ = true; }

  // A text message on a WebSocket: the reply to send, or nullopt when the
  // peer's session has expired (the server then closes the connection).
  std::optional<std::string> handle_ws_message(std::string_view text, Peer& peer, Clock::time_point now);

  const Options& options() const { return options_; }
  void count_connection() { ++stats_.connections; dirty_ = true; }
  void count_kill() { ++stats_.kills; dirty_ = true; }
  // --poison-seq: this event message kills its connection.
  bool poisons(std::string_view text) const;
  void count_expiry_close() { ++stats_.expiry_closes; dirty_ = true; }
  void record_latency(std::chrono::nanoseconds latency);

 private:
  struct Session {
    std::int64_t actor_profile_id;
    Clock::time_point expires_at;
  };
  struct Stats {
    std::uint64_t auth_calls = 0, auth_ok = 0, auth_rejected = 0, auth_unavailable = 0, auth_bad_request = 0;
    std::uint64_t connections = 0, pairings = 0, pairings_refused = 0, kills = 0, expiry_closes = 0;
    std::uint64_t events_ok = 0, events_rejected = 0, events_after_expiry = 0, events_unpaired = 0, rest_events = 0;
    std::uint64_t bad_messages = 0, snapshots = 0;
  };

  HttpReply route(const HttpRequestView& request);
  template <class Stream>
  void accept(Stream&& stream, Request request);
  HttpReply auth(std::string_view key, std::string_view body);
  HttpReply rest_event(std::string_view key, std::string_view body);
  HttpReply schema_call(std::string_view method, std::string_view kind, std::string_view rest, std::string_view token,
                        std::string_view body);
  std::string pair(const rapidjson::Value& message, Peer& peer, Clock::time_point now);
  std::string event(const rapidjson::Value& message, Peer& peer);
  std::optional<std::string> check_project(std::string_view body_org, std::int64_t body_project) const;
  std::string new_uuid();

  Options options_;
  std::map<std::string, Schema> schemas_;  // "actors", "events"
  std::unordered_map<std::string, Session> sessions_;
  Ledger ledger_;
  Hostility hostility_;  // the modes that concern /auth and the stream
  Stats stats_;
  // Latency histogram: 10 µs buckets up to 100 ms, then one overflow bucket.
  static constexpr std::size_t kLatencyBuckets = 10'001;
  std::vector<std::uint64_t> latency_buckets_ = std::vector<std::uint64_t>(kLatencyBuckets);
  std::uint64_t latency_count_ = 0;
  std::int64_t latency_max_us_ = 0;
  bool dirty_ = true;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mock::manufactory
