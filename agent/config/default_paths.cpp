#include "agent/config/default_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace mf::config {
namespace {

constexpr const char* kName = "/manufactory-agent";

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

// There already (the package made it), or ours to make.
bool system_dir_usable(const std::string& dir) {
  return is_directory(dir) || ::access(parent_of(dir).c_str(), W_OK | X_OK) == 0;
}

std::string env_or(const EnvLookup& env, const char* name, const std::string& otherwise) {
  auto value = env(name);
  return value && !value->empty() && value->front() == '/' ? *value : otherwise;
}

}  // namespace

std::string runtime_directory(const EnvLookup& env) {
  if (system_dir_usable(kSystemRuntimeDir)) return kSystemRuntimeDir;
  const std::string xdg = env_or(env, "XDG_RUNTIME_DIR", "");
  if (!xdg.empty()) return xdg + kName;
  return std::string("/tmp") + kName + "-" + std::to_string(::getuid());
}

std::string state_directory(const EnvLookup& env) {
  if (system_dir_usable(kSystemStateDir)) return kSystemStateDir;
  const std::string xdg = env_or(env, "XDG_STATE_HOME", "");
  if (!xdg.empty()) return xdg + kName;
  return env_or(env, "HOME", "/tmp") + "/.local/state" + kName;
}

}  // namespace mf::config
