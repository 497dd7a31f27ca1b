#pragma once
// The daemon's status in the Prometheus text format (version 0.0.4), for
// `GET /metrics`: the same numbers `status` shows, named by Prometheus
// conventions (manufactory_agent_*, _total for counters, base units). No
// secrets, and no actor's attributes: links are labelled by their number.
#include <string>

#include "agent/daemon/status.hpp"

namespace mf::daemon {

std::string prometheus_text(const StatusSnapshot& s);

}  // namespace mf::daemon
