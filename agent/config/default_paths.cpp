#include "agent/config/default_paths.hpp"

#include <sys/stat.h>

#include "agent/config/file_access.hpp"

namespace mf::config {
namespace {

constexpr const char* kName = "/manufactory-agent";

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string absolute_env(const EnvLookup& env, const char* name) {
  auto value = env(name);
  return value && !value->empty() && value->front() == '/' ? *value : std::string();
}

}  // namespace

// The package's directory for the daemon (its service user writes there) and
// for its clients (members of its group find the sockets there); else the
// user's own runtime directory, or (without one) the user's state directory:
// never a guessable name under /tmp that another user could take first.
std::string runtime_directory(const EnvLookup& env) {
  const std::string system = kSystemRuntimeDir;
  if (writable_or_creatable(system) || exists(system + "/ingest.sock") || exists(system + "/control.sock")) return system;
  const std::string xdg = absolute_env(env, "XDG_RUNTIME_DIR");
  return xdg.empty() ? state_directory(env) : xdg + kName;
}

std::string state_directory(const EnvLookup& env) {
  if (writable_or_creatable(kSystemStateDir)) return kSystemStateDir;
  const std::string xdg = absolute_env(env, "XDG_STATE_HOME");
  if (!xdg.empty()) return xdg + kName;
  const std::string home = absolute_env(env, "HOME");
  return (home.empty() ? std::string("/var/tmp") : home + "/.local/state") + kName;
}

}  // namespace mf::config
