#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mock {

struct Options {
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
  enum class Hostile { none, non_json_reply, unknown_reply, unsolicited_reply, huge_frame, no_greeting, silent_tcp, tls10,
                       huge_response, huge_headers };
  Hostile hostile = Hostile::none;
  std::uint64_t hostile_times = 2;
};

// Exits with a message on bad arguments.
Options parse_options(const std::vector<std::string>& args);

}  // namespace mock
