#pragma once
// What agent-bench's scenarios share: child processes measured from /proc,
// the mock of a platform, the events, and the platform part of an agent's config.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
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

struct Env {
  std::string build;   // where manufactory-agent and mock-collector are
  std::string source;  // for tools/make-test-certs.sh
  std::string work;    // a fresh directory per bench invocation
  std::string certs;
  std::string platform = "manufactory";
};

// The mock of env.platform, on a free port.
class Mock {
 public:
  Mock(const Env& env, const std::string& name, const std::vector<std::string>& extra = {});
  const std::string& port() const { return port_; }
  const Child& process() const { return *child_; }
  rapidjson::Document stats() const;

 private:
  std::string dir_;
  std::unique_ptr<Child> child_;
  std::string port_;
};

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
