#pragma once
// The real `manufactory-agent run`, started for one test against a mock collector.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/common/json.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {

struct DaemonOptions {
  std::map<std::string, std::string> env;
  std::vector<std::string> launcher;  // e.g. systemd-socket-activate ... ; the agent's argv follows
  bool wait_until_listening = true;
  // Called with the test's directory before the daemon starts (create files, sockets...).
  std::function<void(const TempDir&)> prepare;
  // Changes the config's text before it is written (e.g. a value the mock does not know).
  std::function<std::string(std::string)> edit_config;
  // Where the agent keeps what survives a restart; empty: a directory of this daemon's own.
  std::string state_directory;
};

class DaemonProcess {
 public:
  // extra_yaml is appended to the config (sections must not repeat the ones written here).
  DaemonProcess(const MockCollector& collector, const std::string& extra_yaml = "",
                const std::string& collector_yaml = "", const DaemonOptions& options = {});
  ~DaemonProcess();

  const std::string& config() const { return config_; }
  std::string ingest_socket() const { return dir_.file("run/ingest.sock"); }
  std::string control_socket() const { return dir_.file("run/control.sock"); }
  std::string log() const { return read_file(dir_.file("daemon.log")); }
  std::string file(const std::string& name) const { return dir_.file(name); }
  BackgroundProcess& process() { return *process_; }

  // `manufactory-agent send` with these lines on stdin; extra_args replace `--config <ours>`.
  ProcessResult send(const std::string& ndjson, std::vector<std::string> extra_args = {}) const;
  rapidjson::Document status() const;

 private:
  TempDir dir_;
  std::string config_;
  std::unique_ptr<BackgroundProcess> process_;
};

// A member of a status or stats document; 0 (u64) or -2 (i64) when absent or of another type.
std::uint64_t u64(const rapidjson::Value& v, const char* name);
std::int64_t i64(const rapidjson::Value& v, const char* name);

// NDJSON of n events {"seq":from+i, ...} for an actor (none: the default actor).
std::string numbered_events(int from, int n, const std::string& actor_json = "", std::size_t payload_bytes = 0);
// The same with another name for the number (OISP's components need at least 4 characters).
std::string numbered_events_as(const std::string& seq_name, int from, int n, const std::string& actor_json = "",
                               const std::string& more_attributes = "");

}  // namespace mf::test
