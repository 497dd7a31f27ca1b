#pragma once
// The Manufactory keys: the vendor's config.yaml (org_id, project_id,
// project_key) and the session length.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/platform_decl.hpp"

namespace mf::manufactory {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);
// The platform as the configuration knows it, for the registry.
const config::PlatformDecl& config_decl();

}  // namespace mf::manufactory
