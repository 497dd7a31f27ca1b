#pragma once
// `manufactory-agent run`: every part on one io_context, one thread.
//   ingest socket -> Ingest -> buffer -> Uplink -> collector
//   control socket -> status
//   SIGTERM/SIGINT: stop intake, deliver for up to shutdown_grace, close, exit 0
//   SIGHUP: reload what can change safely (log level, buffer and ingest limits)
#include <memory>
#include <string>

#include "agent/config/config.hpp"

namespace mf::daemon {

// Runs until stopped by a signal; returns the exit code.
int run(Config config);

}  // namespace mf::daemon
