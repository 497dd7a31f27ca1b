#pragma once
// The keys of the inputs beside the ingest socket (inputs.mqtt, inputs.http)
// and their checks between keys: shared by every platform.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"

namespace mf::config {

const std::vector<KeyDecl>& input_keys();
void check_inputs(Checker& checker);

}  // namespace mf::config
