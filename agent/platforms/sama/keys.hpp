#pragma once
// The sama: section.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"

namespace mf::sama {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);

}  // namespace mf::sama
