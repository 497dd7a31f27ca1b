#pragma once
// Running the real manufactory-agent binary in integration tests.
#include <string>
#include <vector>

#include "agent/common/base64.hpp"
#include "tests/support/process.hpp"

namespace mf::test {

inline std::string b64(const std::string& json) { return base64_encode(json); }

inline ProcessResult run_agent(std::vector<std::string> args, ProcessOptions options = {}) {
  args.insert(args.begin(), MF_AGENT_BIN);
  options.env_remove.push_back("MANUFACTORY_AGENT_CONFIG");
  options.env_remove.push_back("MANUFACTORY_PROJECT_KEY");
  options.env_remove.push_back("JOURNAL_STREAM");
  return run_process(args, options);
}

// A config's text with the first line that starts with `start` replaced by
// `line` (unchanged when there is none: the test then fails on what it checks).
inline std::string with_line(std::string yaml, const std::string& start, const std::string& line) {
  std::size_t at = yaml.rfind(start, 0) == 0 ? 0 : yaml.find("\n" + start);
  if (at == std::string::npos) return yaml;
  if (at != 0) ++at;
  const auto end = yaml.find('\n', at);
  return yaml.replace(at, end == std::string::npos ? std::string::npos : end - at, line);
}

inline ProcessResult oneshot(const std::string& config, const std::string& actor_json, const std::string& event_json,
                             ProcessOptions options = {}) {
  return run_agent({"--config", config, "--actor=" + b64(actor_json), "--event=" + b64(event_json)}, std::move(options));
}

}  // namespace mf::test
