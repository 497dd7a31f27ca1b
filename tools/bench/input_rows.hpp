#pragma once
// agent-bench --inputs: the same events through each input (the ingest
// socket, MQTT via Debian's mosquitto broker and mosquitto_pub, HTTP POSTs
// of 1 000 events), each run alternating the three, to the mock collector.
#include <string>

#include "tools/bench/bench_support.hpp"

namespace bench {

// Prints the table; returns the rows as a JSON array.
std::string run_input_rows(const Env& env, int runs, bool quick);

}  // namespace bench
