#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mock {

struct Options {
  enum class Platform { manufactory, sama, oisp, mobiusflow };
  Platform platform = Platform::manufactory;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port, written to port_file
  std::string port_file;
  std::string cert_file;
  std::string key_file;
  bool plain = false;  // no TLS (http/ws)
  std::string project_key = "test-project-key";
  std::string org_id = "org_test";
  std::int64_t project_id = 1;
  std::string access_token = "test-access-token";
  std::string schemas_file;  // optional: {"actors": {name: TYPE}, "events": {name: TYPE}, "unique_id": name}
  std::chrono::milliseconds session_ttl = std::chrono::hours(12);
  std::uint64_t kill_every = 0;  // drop the TCP connection at every N-th event on a connection (unanswered)
  std::int64_t poison_seq = -1;  // an event with this seq drops the connection, unstored (-1: none)
  std::uint64_t fail_every = 0;  // REST platforms: answer every N-th data request with 503 (nothing stored)
  std::chrono::milliseconds reply_delay{0};
  std::uint64_t fail_auth = 0;  // answer the first N /auth calls with 503
  unsigned retry_after_s = 1;
  std::string stats_file;
  std::string greeting = "Manufactory Collector \xE2\x9C\x85";
  bool quiet = false;
  // Benchmarks: an integer event attribute holding the sender's steady-clock
  // time in ns; the time until the reply is written goes to the latency stats.
  std::string latency_field;
  // A misbehaving collector, for the first hostile_times connections of the
  // kind the mode concerns; after that the collector behaves.
  // The other platforms' accounts and token lifetimes (--platform sama|oisp|mobiusflow).
  std::string user = "gateway_01";          // SAMA login, OISP user name, MobiusFlow user
  std::string password = "test-password";
  std::string organization_id = "680a2fae96cc69d78861f101";  // SAMA
  std::string conversation_id = "6b0f0bcaa882842c8dfe74f4";  // SAMA
  std::chrono::milliseconds token_ttl{0};    // access/device token lifetime; 0: the platform's default
  std::chrono::milliseconds refresh_ttl{0};  // refresh cookie/token lifetime; 0: the platform's default
  std::chrono::milliseconds idle_drop{10'000};  // SAMA: drop a client silent this long (the real server: about 10 s)
  std::chrono::milliseconds ping_every{8'000};  // SAMA: the server's WebSocket ping (the real server: about 8 s)
  std::uint64_t transient_error_every = 0;      // SAMA: every N-th message fails as the real server's database does, unstored
  bool not_member = false;                      // SAMA: the user is not in the conversation: every message 403
  bool store_out_of_order = false;              // SAMA: a socket's messages are stored concurrently (shuffled)
  std::uint64_t refuse_refresh_every = 0;    // refuse every N-th refresh
  std::uint64_t lose_session_every = 0;      // SAMA: answer every N-th message 401 (not stored), as after a server restart
  // OISP
  std::string activation_code = "CgSVoHee";  // the README's; valid for an hour from the start; empty: only a user can get one
  std::uint64_t rate_limit_per_hour = 36'000;
  std::uint64_t rate_limit_every = 0;        // answer every N-th data request 429 (Reset 1 s), storing nothing
  std::string token_info_exp = "iso";        // how tokenInfo writes exp: iso, ms or s
  std::string seq_component = "sequence";    // the component whose value is an event's seq, for the ledger
  std::vector<std::string> catalog;          // extra component types, "name:Number|String|Boolean"
  std::uint64_t kill_components = 0;         // the first N component registrations: stored, the answer lost
  std::string forget_component;              // after forget_after data requests the device loses this one
  std::uint64_t forget_after = 0;
  // MobiusFlow
  std::vector<std::string> points;           // resources that exist (HID/SID/PID/INS/RID); none given: any
  std::uint64_t unauthorized_every = 0;      // answer every N-th write 401 though its token is valid (not applied)
  enum class Hostile { none, non_json_reply, unknown_reply, unsolicited_reply, huge_frame, no_greeting, silent_tcp, tls10,
                       huge_response, huge_headers };
  Hostile hostile = Hostile::none;
  std::uint64_t hostile_times = 2;
};

const char* to_string(Options::Platform platform);

// Exits with a message on bad arguments.
Options parse_options(const std::vector<std::string>& args);

}  // namespace mock
