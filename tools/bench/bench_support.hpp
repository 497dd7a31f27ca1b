#pragma once
// What agent-bench's scenarios share: child processes measured from /proc,
// the mock of a platform, the events, and the platform part of an agent's config.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/common/rapidjson.hpp"

namespace bench {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why);
double own_cpu_seconds();
double seconds_since(SteadyClock::time_point start);
std::int64_t now_ns();
std::string read_text(const std::string& path);

class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void stop(int sig);
  // From /proc: CPU seconds (user + system), resident set and its peak, in KiB.
  double cpu_seconds() const;
  std::uint64_t status_kib(const std::string& key) const { return proc_kib("status", key); }
  std::uint64_t rollup_kib(const std::string& key) const { return proc_kib("smaps_rollup", key); }

 private:
  std::uint64_t proc_kib(const std::string& file, const std::string& key) const;
  pid_t pid_ = -1;
};

// One row of the table: who sends what, and how long the mock takes to reply.
struct Scenario {
  int actors = 1;
  std::size_t size = 100;
  int events = 0;
  int reply_delay_ms = 0;  // the mock's --reply-delay: a collector that far away
};

struct Env {
  std::string build;   // where manufactory-agent and mock-collector are
  std::string source;  // for tools/make-test-certs.sh
  std::string work;    // a fresh directory per bench invocation
  std::string certs;
  std::string platform = "manufactory";
};

// A fresh work directory with test certificates, for this platform.
Env make_env(const std::string& platform);

// The mock of env.platform, on a free port.
class Mock {
 public:
  Mock(const Env& env, const std::string& name, const std::vector<std::string>& extra = {});
  Mock(const Env& env, const std::string& name, const Scenario& scenario);
  const std::string& port() const { return port_; }
  const Child& process() const { return *child_; }
  rapidjson::Document stats() const;

 private:
  std::string dir_;
  std::unique_ptr<Child> child_;
  std::string port_;
};

// `manufactory-agent run` on a config for this mock, started and READY=1.
class Agent {
 public:
  // uplink_yaml: more keys of the uplink: section ("  backoff_base: 1ms\n").
  // more_yaml: top-level sections (inputs:...).
  Agent(const Env& env, const Mock& mock, const std::string& name, const std::string& uplink_yaml = "",
        const std::string& more_yaml = "");

  std::string ingest_socket() const { return dir_ + "/ingest.sock"; }
  double ready_ms() const { return ready_ms_; }
  const Child& process() const { return *child_; }
  std::uint64_t events_acked() const;
  void wait_for_acked(std::uint64_t n) const;

 private:
  std::string dir_;
  std::unique_ptr<Child> child_;
  double ready_ms_ = 0;
};

int connect_unix(const std::string& path);
void write_all(int fd, const std::string& data);
// Reads n reply lines on the ingest socket; every one must be {"ok":true}.
std::thread read_replies(int fd, std::uint64_t n);

std::uint64_t u64(const rapidjson::Value& v, const char* key);

constexpr int kMobiusObjects = 8;  // MobiusFlow has no actors: the bench's actors are objects

// {"seq":N[,"t_ns":...],"p":"xx..."} of about `size` bytes.
std::string attributes(std::int64_t seq, std::size_t size, bool stamp);
// The REST platforms' events: {"sequence[_k]":N,"payload[_k]":"xx..."} (OISP's names need 4 characters;
// MobiusFlow's k is the actor's object).
std::string rest_attributes(const std::string& platform, int actor, std::int64_t seq, std::size_t size);
std::string actor_json(int actor);
// The line the platform's producers would write.
std::string ingest_line(const Env& env, int actor, std::int64_t seq, std::size_t size, bool stamp);

// The platform part of the agent's config for the mock on this port (no ingest, buffer or log keys).
std::string platform_yaml(const Env& env, const std::string& port);

}  // namespace bench
