#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::mobiusflow {

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps);

}  // namespace mf::mobiusflow
