#pragma once
// The oisp: section.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/platform_decl.hpp"

namespace mf::oisp {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);
// The platform as the configuration knows it, for the registry.
const config::PlatformDecl& config_decl();

}  // namespace mf::oisp
