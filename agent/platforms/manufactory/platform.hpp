#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::manufactory {

const platforms::Descriptor& descriptor();

}  // namespace mf::manufactory
