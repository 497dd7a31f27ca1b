#pragma once
// The Manufactory keys: the vendor's config.yaml (org_id, project_id,
// project_key) and the session length.
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"

namespace mf::manufactory {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);

}  // namespace mf::manufactory
