#include "agent/config/config_lookup.hpp"

#include <unistd.h>

#include <array>

namespace mf::config {
namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

Expected<std::string> find_config_file(const LookupInputs& in) {
  if (in.cli_path) {
    if (!exists(*in.cli_path)) return fail(ErrorKind::config, "config file '" + *in.cli_path + "' (from --config) does not exist");
    return *in.cli_path;
  }
  if (auto env_path = in.env("MANUFACTORY_AGENT_CONFIG"); env_path && !env_path->empty()) {
    if (!exists(*env_path)) {
      return fail(ErrorKind::config, "config file '" + *env_path + "' (from MANUFACTORY_AGENT_CONFIG) does not exist");
    }
    return *env_path;
  }
  std::string tried;
  if (!in.executable_dir.empty()) {
    const std::string beside = in.executable_dir + "/config.yaml";
    if (exists(beside)) return beside;
    tried = beside + ", ";
  }
  if (exists(in.system_path)) return in.system_path;
  return fail(ErrorKind::config, "no config file found (looked for " + tried + in.system_path +
                                     "); pass --config FILE, set MANUFACTORY_AGENT_CONFIG, or create one from "
                                     "config/manufactory-agent.yaml");
}

std::string executable_directory() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  std::string path(buf.data(), static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace mf::config
