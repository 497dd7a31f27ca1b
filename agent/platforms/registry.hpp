#pragma once
// Every platform the agent speaks. Adding one: its folder under
// agent/platforms/, one line in registry.cpp, its sources in CMake
// (docs/development.md).
#include <memory>
#include <vector>

#include "agent/config/platform_decl.hpp"
#include "agent/platforms/platform.hpp"

namespace mf::platforms {

const std::vector<const Descriptor*>& registry();
// What the configuration loader is given: every platform's keys and checks.
const config::PlatformList& config_decls();
// The platform the configuration names (the loader chose it from the registry).
std::unique_ptr<Platform> make_platform(const Config& config, PlatformDeps deps);

}  // namespace mf::platforms
