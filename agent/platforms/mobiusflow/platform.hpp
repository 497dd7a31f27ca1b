#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::mobiusflow {

const platforms::Descriptor& descriptor();

}  // namespace mf::mobiusflow
