#include "agent/platforms/registry.hpp"

#include <stdexcept>
#include <string>

#include "agent/platforms/manufactory/platform.hpp"
#include "agent/platforms/mobiusflow/platform.hpp"
#include "agent/platforms/oisp/platform.hpp"
#include "agent/platforms/sama/platform.hpp"

namespace mf::platforms {

const std::vector<const Descriptor*>& registry() {
  static const std::vector<const Descriptor*> all = {
      &manufactory::descriptor(),
      &sama::descriptor(),
      &oisp::descriptor(),
      &mobiusflow::descriptor(),
  };
  return all;
}

const config::PlatformList& config_decls() {
  static const config::PlatformList decls = [] {
    config::PlatformList out;
    for (const Descriptor* d : registry()) out.push_back(&d->config);
    return out;
  }();
  return decls;
}

std::unique_ptr<Platform> make_platform(const Config& config, PlatformDeps deps) {
  for (const Descriptor* d : registry()) {
    if (&d->config == config.platform) return d->make(config, deps);
  }
  throw std::logic_error("no platform '" + std::string(config.platform_name()) + "' is registered");
}

}  // namespace mf::platforms
