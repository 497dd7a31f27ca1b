#include "agent/platforms/platform.hpp"

#include "agent/platforms/manufactory/platform.hpp"
#include "agent/platforms/mobiusflow/platform.hpp"
#include "agent/platforms/oisp/platform.hpp"
#include "agent/platforms/sama/platform.hpp"
#include "agent/uplink/batch_link.hpp"
#include "agent/uplink/stream_link.hpp"

namespace mf::platforms {

std::unique_ptr<uplink::StreamEndpoint> Platform::stream_endpoint(const std::string&) { return nullptr; }
std::unique_ptr<uplink::BatchEndpoint> Platform::batch_endpoint() { return nullptr; }

std::unique_ptr<uplink::Link> Platform::make_link(uplink::LinkId id, const std::string& first_actor_json,
                                                  uplink::LinkDeps& deps, const uplink::LinkSettings& settings,
                                                  uplink::LinkListener& listener) {
  const std::string owner = link_per_actor() ? "actor #" + std::to_string(id) : std::string(name());
  if (auto endpoint = stream_endpoint(first_actor_json)) {
    return std::make_unique<uplink::StreamLink>(id, owner, std::move(endpoint), deps, settings, listener);
  }
  return std::make_unique<uplink::BatchLink>(id, owner, batch_endpoint(), deps, settings, listener);
}

std::unique_ptr<Platform> make_platform(const Config& config, PlatformDeps deps) {
  switch (config.platform) {
    case mf::Platform::manufactory: return manufactory::make_platform(config, deps);
    case mf::Platform::sama: return sama::make_platform(config, deps);
    case mf::Platform::oisp: return oisp::make_platform(config, deps);
    case mf::Platform::mobiusflow: return mobiusflow::make_platform(config, deps);
  }
  return nullptr;
}

}  // namespace mf::platforms
