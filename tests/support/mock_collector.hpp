#pragma once
// The real mock-collector binary, started on a free loopback port for one test.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/common/json.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::test {

std::string cert_path(const std::string& name);  // e.g. "ca.pem", from the build's test-certs

class MockCollector {
 public:
  // extra_args: any mock-collector options (--kill-every 10, --fail-auth 2, ...).
  // cert: which certificate to serve ("server", "wrong-host", "self-signed", "expired").
  explicit MockCollector(std::vector<std::string> extra_args = {}, const std::string& cert = "server");
  ~MockCollector();

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& host = "localhost") const;     // https://host:port
  std::string ws_url(const std::string& host = "localhost") const;  // wss://host:port/ws

  // A config file for the agent pointing at this collector; extra is appended YAML.
  std::string write_agent_config(const TempDir& dir, const std::string& extra = "",
                                 const std::string& key = "test-project-key") const;
  // The platform part of an agent's config for this mock (its --platform),
  // ending inside an open `collector:` section (url, ws_url, ca_file).
  std::string agent_yaml() const;
  const std::string& platform() const { return platform_; }

  // The stats file, parsed; waits until it exists.
  rapidjson::Document stats() const;
  std::uint64_t counter(const char* name) const;
  std::string log() const;
  void signal(int sig) { process_->signal(sig); }
  // The stats of the actor whose profile is this JSON; nullptr-like empty object when unknown.
  rapidjson::Document actor_stats(const std::string& profile_json) const;

 private:
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> process_;
  std::uint16_t port_ = 0;
  std::string platform_ = "manufactory";
  std::vector<std::string> args_;
};

// The value after `flag` in a mock's arguments, or fallback.
std::string mock_arg(const std::vector<std::string>& args, const std::string& flag, const std::string& fallback);

}  // namespace mf::test
