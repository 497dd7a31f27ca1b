#pragma once
// Where the daemon keeps its sockets and state when the config names no
// place: the system's directories (/run/manufactory-agent,
// /var/lib/manufactory-agent) when this user can write or make them (root,
// the package's service user) or, for the sockets, when the daemon's sockets
// are there; else the user's own, so that a normal user can try the daemon:
// $XDG_RUNTIME_DIR/manufactory-agent and $XDG_STATE_HOME/manufactory-agent
// (else ~/.local/state/manufactory-agent, for both). The daemon and its
// clients (send, status) of one user choose alike.
#include <string>

#include "agent/config/config_loader.hpp"

namespace mf::config {

inline constexpr const char* kSystemRuntimeDir = "/run/manufactory-agent";
inline constexpr const char* kSystemStateDir = "/var/lib/manufactory-agent";

std::string runtime_directory(const EnvLookup& env);
std::string state_directory(const EnvLookup& env);

}  // namespace mf::config
