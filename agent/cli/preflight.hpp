#pragma once
// What `run` needs beyond a valid file, checked alike by `run` (before it
// touches anything) and by `check-config`, so that one never passes what the
// other refuses: the CA file holds certificates, and each directory the
// daemon writes (sockets, state, disk buffer) exists and is writable by this
// user, or can be made by it.
#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"

namespace mf::cli {

Status preflight(const Config& config);

}  // namespace mf::cli
