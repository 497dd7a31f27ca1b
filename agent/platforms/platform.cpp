#include "agent/platforms/platform.hpp"

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

}  // namespace mf::platforms
