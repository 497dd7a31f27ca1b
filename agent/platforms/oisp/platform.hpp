#pragma once
#include <memory>

#include "agent/platforms/platform.hpp"

namespace mf::oisp {

const platforms::Descriptor& descriptor();

}  // namespace mf::oisp
