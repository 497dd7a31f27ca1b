#pragma once
// The mobiusflow: section.
#include <optional>
#include <string_view>
#include <vector>

#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/platforms/mobiusflow/settings.hpp"

namespace mf::mobiusflow {

const std::vector<config::KeyDecl>& config_keys();
void check_config(config::Checker& checker);
// The platform as the configuration knows it, for the registry.
const config::PlatformDecl& config_decl();

// "000001/020/0010/0001/40" -> its five fields; nullopt unless five hex fields.
std::optional<Point> parse_point(std::string_view text);

}  // namespace mf::mobiusflow
