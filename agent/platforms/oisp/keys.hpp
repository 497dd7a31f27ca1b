#pragma once
// The oisp: section.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"

namespace mf::oisp {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);

}  // namespace mf::oisp
