#include "tests/support/daemon_process.hpp"

#include <csignal>
#include <stdexcept>
#include <sys/stat.h>

namespace mf::test {

DaemonProcess::DaemonProcess(const MockCollector& collector, const std::string& extra_yaml, const std::string& collector_yaml,
                             const DaemonOptions& options) {
  const std::string state = options.state_directory.empty() ? dir_.file("state") : options.state_directory;
  const std::string yaml = collector.agent_yaml() + collector_yaml + "state_directory: " + state + "\n" +
                           "ingest:\n"
                           "  socket: " + dir_.file("run/ingest.sock") + "\n"
                           "  control_socket: " + dir_.file("run/control.sock") + "\n" + extra_yaml;
  config_ = dir_.write("config.yaml", options.edit_config ? options.edit_config(yaml) : yaml, 0600);
  if (options.prepare) options.prepare(dir_);
  std::vector<std::string> argv = options.launcher;
  for (const std::string& a : {std::string(MF_AGENT_BIN), std::string("run"), std::string("--config"), config_}) argv.push_back(a);
  process_ = std::make_unique<BackgroundProcess>(argv, dir_.file("daemon.log"), options.env);
  if (!options.wait_until_listening) return;
  struct stat st {};
  const bool up = eventually([&] { return ::stat(control_socket().c_str(), &st) == 0 || !process_->running(); });
  if (!up || !process_->running()) throw std::runtime_error("the daemon did not start: " + log());
}

DaemonProcess::~DaemonProcess() {
  process_->signal(SIGKILL);
  process_->wait(std::chrono::milliseconds(5000));
}

ProcessResult DaemonProcess::send(const std::string& ndjson, std::vector<std::string> extra_args) const {
  std::vector<std::string> argv = {MF_AGENT_BIN, "send"};
  if (extra_args.empty()) extra_args = {"--config", config_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  ProcessOptions options;
  options.stdin_text = ndjson;
  options.timeout = std::chrono::milliseconds(60'000);
  return run_process(argv, options);
}

rapidjson::Document DaemonProcess::status() const {
  auto r = run_process({MF_AGENT_BIN, "status", "--json", "--config", config_});
  auto doc = json::parse_untrusted(r.out, {16 << 20, 32});
  if (r.exit_code != 0 || !doc) throw std::runtime_error("status failed: " + r.all());
  return std::move(*doc);
}

std::uint64_t u64(const rapidjson::Value& v, const char* name) {
  const auto* m = json::find(v, name);
  return m != nullptr && m->IsUint64() ? m->GetUint64() : 0;
}

std::int64_t i64(const rapidjson::Value& v, const char* name) {
  const auto* m = json::find(v, name);
  return m != nullptr && m->IsInt64() ? m->GetInt64() : -2;
}

std::string numbered_events(int from, int n, const std::string& actor_json, std::size_t payload_bytes) {
  std::string out;
  const std::string payload = payload_bytes > 0 ? ",\"payload\":\"" + std::string(payload_bytes, 'x') + "\"" : "";
  for (int i = from; i < from + n; ++i) {
    const std::string attributes = "{\"seq\":" + std::to_string(i) + payload + "}";
    out += actor_json.empty() ? attributes : "{\"actor\":" + actor_json + ",\"attributes\":" + attributes + "}";
    out += '\n';
  }
  return out;
}

std::string numbered_events_as(const std::string& seq_name, int from, int n, const std::string& actor_json,
                               const std::string& more_attributes) {
  std::string out;
  for (int i = from; i < from + n; ++i) {
    const std::string attributes = "{\"" + seq_name + "\":" + std::to_string(i) + more_attributes + "}";
    out += actor_json.empty() ? attributes : "{\"actor\":" + actor_json + ",\"attributes\":" + attributes + "}";
    out += '\n';
  }
  return out;
}

}  // namespace mf::test
