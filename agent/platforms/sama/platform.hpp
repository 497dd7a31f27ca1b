#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::sama {

const platforms::Descriptor& descriptor();

}  // namespace mf::sama
