#include "tests/support/mock_collector.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>

namespace mf::test {

std::string cert_path(const std::string& name) { return std::string(MF_CERT_DIR) + "/" + name; }

std::string mock_arg(const std::vector<std::string>& args, const std::string& flag, const std::string& fallback) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return args[i + 1];
  }
  return fallback;
}

MockCollector::MockCollector(std::vector<std::string> extra_args, const std::string& cert)
    : platform_(mock_arg(extra_args, "--platform", "manufactory")), args_(extra_args) {
  std::vector<std::string> argv = {MF_MOCK_BIN,
                                   "--cert", cert_path(cert + ".pem"),
                                   "--key", cert_path(cert + ".key"),
                                   "--port-file", dir_.file("port"),
                                   "--stats-file", dir_.file("stats.json")};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<BackgroundProcess>(argv, dir_.file("log"));
  const bool up = eventually([&] { return !read_file(dir_.file("port")).empty() || !process_->running(); });
  const std::string port_text = read_file(dir_.file("port"));
  if (!up || port_text.empty()) throw std::runtime_error("mock-collector did not start: " + log());
  port_ = static_cast<std::uint16_t>(std::stoi(port_text));
}

MockCollector::~MockCollector() {
  process_->signal(SIGTERM);
  process_->wait(std::chrono::milliseconds(5000));
}

std::string MockCollector::url(const std::string& host) const { return "https://" + host + ":" + std::to_string(port_); }
std::string MockCollector::ws_url(const std::string& host) const {
  return "wss://" + host + ":" + std::to_string(port_) + "/ws";
}

std::string MockCollector::agent_yaml() const {
  const std::string ca = "  ca_file: " + cert_path("ca.pem") + "\n";
  if (platform_ == "sama") {
    return "platform: sama\n"
           "sama:\n"
           "  organization_id: \"" + mock_arg(args_, "--organization", "680a2fae96cc69d78861f101") + "\"\n"
           "  login: " + mock_arg(args_, "--user", "gateway_01") + "\n"
           "  password: " + mock_arg(args_, "--password", "test-password") + "\n"
           "  device_id: gateway-01\n"
           "  conversation_id: \"" + mock_arg(args_, "--conversation", "6b0f0bcaa882842c8dfe74f4") + "\"\n"
           "actor:\n  username: default_actor\n"
           "collector:\n"
           "  url: " + url() + "\n" + ca;
  }
  if (platform_ == "mobiusflow") {
    return "platform: mobiusflow\n"
           "mobiusflow:\n"
           "  username: " + mock_arg(args_, "--user", "gateway_01") + "\n"
           "  password: " + mock_arg(args_, "--password", "test-password") + "\n"
           "  resources:\n"
           "    sequence: 000001/020/0010/0001/40\n"
           "    temperature: 000001/020/0010/0001/41\n"
           "    humidity: 000002/020/0010/0001/40\n"
           "collector:\n"
           "  url: " + url() + "\n" + ca;
  }
  if (platform_ == "oisp") {
    const std::string code = mock_arg(args_, "--activation-code", "");
    return "platform: oisp\n"
           "oisp:\n"
           "  device_id: gateway-01\n" +
           (code.empty() ? "  username: " + mock_arg(args_, "--user", "gateway_01") + "\n  password: " +
                               mock_arg(args_, "--password", "test-password") + "\n"
                         : "  activation_code: \"" + code + "\"\n") +
           "  default_component_type: temperature.v1.0\n"
           "actor:\n  username: default_actor\n"
           "collector:\n"
           "  url: " + url() + "\n" + ca;
  }
  return "org_id: \"org_test\"\n"
         "project_id: 1\n"
         "project_key: \"test-project-key\"\n"
         "actor:\n  username: default_actor\n"
         "collector:\n"
         "  url: " + url() + "\n"
         "  ws_url: " + ws_url() + "\n" + ca;
}

std::string MockCollector::write_agent_config(const TempDir& dir, const std::string& extra, const std::string& key) const {
  const std::string yaml = "org_id: \"org_test\"\n"
                           "project_id: 1\n"
                           "project_key: \"" + key + "\"\n"
                           "collector:\n"
                           "  url: " + url() + "\n"
                           "  ws_url: " + ws_url() + "\n"
                           "  ca_file: " + cert_path("ca.pem") + "\n" + extra;
  return dir.write("config.yaml", yaml, 0600);
}

namespace {

rapidjson::Document parse_stats(const std::string& text) {
  auto doc = json::parse_untrusted(text, {16 << 20, 16});
  if (!doc || !doc->IsObject()) throw std::runtime_error("bad stats file: " + text);
  return std::move(*doc);
}

std::int64_t snapshot_number(const std::string& text) {
  if (text.empty()) return -1;
  auto doc = parse_stats(text);
  const auto* v = json::find(doc, "snapshots");
  return v != nullptr && v->IsInt64() ? v->GetInt64() : -1;
}

}  // namespace

// Asks the mock for a snapshot taken now and waits for it, so a test never
// reads numbers from before the traffic it just caused.
rapidjson::Document MockCollector::stats() const {
  const std::string path = dir_.file("stats.json");
  const std::int64_t before = snapshot_number(read_file(path));
  process_->signal(SIGUSR1);
  std::string text;
  const bool fresh = eventually([&] {
    text = read_file(path);
    return snapshot_number(text) > before;
  });
  if (!fresh) throw std::runtime_error("mock-collector wrote no stats snapshot: " + log());
  return parse_stats(text);
}

std::uint64_t MockCollector::counter(const char* name) const {
  auto doc = stats();
  const auto* v = json::find(doc, name);
  return v != nullptr && v->IsUint64() ? v->GetUint64() : 0;
}

std::string MockCollector::log() const { return read_file(dir_.file("log")); }

}  // namespace mf::test

namespace mf::test {

rapidjson::Document MockCollector::actor_stats(const std::string& profile_json) const {
  auto doc = stats();
  rapidjson::Document out;
  out.SetObject();
  const auto* actors = json::find(doc, "actors");
  if (actors == nullptr || !actors->IsObject()) return out;
  for (auto it = actors->MemberBegin(); it != actors->MemberEnd(); ++it) {
    const auto* profile = json::find(it->value, "actor_profile");
    if (profile != nullptr && json::to_string(*profile) == profile_json) {
      out.CopyFrom(it->value, out.GetAllocator());
      return out;
    }
  }
  return out;
}

}  // namespace mf::test
