#pragma once
// A SAMA server (sama-server v0.36) as PLATFORMS.md describes it, quirks
// included: POST /login with plain-text errors and a signed refresh cookie,
// access tokens whose lifetime is enforced at connect, one WebSocket per
// device that must connect before anything else, wrapped and bare message
// requests, acks by id in any order, and the server's pings.
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "agent/common/rapidjson.hpp"
#include "tools/mock-collector/ledger.hpp"
#include "tools/mock-collector/options.hpp"
#include "tools/mock-collector/service.hpp"

namespace mock::sama {

struct Failure {
  int status = 0;  // 0: a plain-text error (what a failed Joi validation gives)
  std::string message;
};

class SamaService final : public Service {
 public:
  explicit SamaService(const Options& options);

  HttpReply handle_http(const HttpRequestView& request) override;
  bool websocket_at(std::string_view) const override { return true; }  // any path
  void accept_websocket(TlsStream&& stream, Request request) override;
  void accept_websocket(PlainStream&& stream, Request request) override;
  std::string stats_json() const override;
  bool take_dirty() override { return std::exchange(dirty_, false); }
  void count_snapshot() override { bump(stats_.snapshots); }

  // ---- for the WebSocket sessions
  const Options& options() const { return options_; }
  // {"connect":{"token","device_id"}}: the user, or why not.
  std::variant<std::string, Failure> connect(const rapidjson::Value& params);
  // {"message":{...}} from a connected user: the ask ({"ask":{...}}), or why not.
  std::variant<std::string, Failure> create_message(rapidjson::Value& params, const std::string& user_id);
  // A second socket of a device takes over its deliveries (the first stays open).
  std::uint64_t take_over(const std::string& device_id);
  bool delivers_to(const std::string& device_id, std::uint64_t socket) const;

  void count_connection() { bump(stats_.connections); }
  void count_unauthorized() { bump(stats_.unauthorized); }
  void count_kill() { bump(stats_.kills); }
  void count_pong() { bump(stats_.pongs); }
  void count_ping_request() { bump(stats_.ping_requests); }
  void count_idle_drop() { bump(stats_.idle_drops); }
  void count_reordered() { bump(stats_.replies_out_of_order); }
  void count_misrouted() { bump(stats_.misrouted_requests); }
  void count_transient_error() { bump(stats_.transient_errors); }

 private:
  struct Token {
    std::string user_id;
    std::string device_id;
    Clock::time_point expires;
  };
  struct Stats {
    std::uint64_t logins = 0, logins_refused = 0, refreshes = 0, refreshes_refused = 0, bearer_renewals = 0;
    std::uint64_t bad_login_requests = 0, connections = 0, connects = 0, connects_refused = 0, connects_expired = 0;
    std::uint64_t unauthorized = 0, messages = 0, messages_rejected = 0, kills = 0, pongs = 0, ping_requests = 0;
    std::uint64_t idle_drops = 0, replies_out_of_order = 0, misrouted_requests = 0, snapshots = 0, transient_errors = 0;
  };

  HttpReply login(const HttpRequestView& request);
  bool x_seq_restores_order() const;
  HttpReply grant(const std::string& device_id);
  std::string make_jwt(const std::string& device_id, std::int64_t iat_s, std::int64_t exp_s);
  std::string random_hex(std::size_t bytes);
  void bump(std::uint64_t& counter) {
    ++counter;
    dirty_ = true;
  }

  Options options_;
  std::string user_id_ = "63480e68f4794709f802a2fa";
  std::unordered_map<std::string, Token> tokens_;   // access tokens
  std::unordered_map<std::string, Token> cookies_;  // refresh cookie values, as signed
  std::unordered_map<std::string, std::uint64_t> device_socket_;
  std::uint64_t next_socket_ = 1;
  std::uint64_t refresh_attempts_ = 0;
  std::uint64_t next_server_mid_ = 1;
  Ledger ledger_;
  std::unordered_map<std::string, std::vector<std::pair<std::uint64_t, std::int64_t>>> stored_order_;  // actor -> (x.seq, seq)
  Stats stats_;
  bool dirty_ = true;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mock::sama
