#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::manufactory {

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps);

}  // namespace mf::manufactory
