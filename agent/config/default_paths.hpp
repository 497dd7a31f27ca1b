#pragma once
// Where the daemon keeps its sockets and state when the config names no
// place: the system's directories (/run/manufactory-agent,
// /var/lib/manufactory-agent) when they exist or can be made, as under the
// package; else the user's own, so that a normal user can try the daemon:
// $XDG_RUNTIME_DIR/manufactory-agent (else /tmp/manufactory-agent-<uid>) and
// $XDG_STATE_HOME/manufactory-agent (else ~/.local/state/manufactory-agent).
// The daemon and its clients (send, status) of one user choose alike.
#include <string>

#include "agent/config/config_loader.hpp"

namespace mf::config {

inline constexpr const char* kSystemRuntimeDir = "/run/manufactory-agent";
inline constexpr const char* kSystemStateDir = "/var/lib/manufactory-agent";

// The system directory when it exists or its parent is writable by us; else the user's.
std::string runtime_directory(const EnvLookup& env);
std::string state_directory(const EnvLookup& env);

}  // namespace mf::config
