#include "agent/platforms/manufactory/platform.hpp"

#include "agent/platforms/manufactory/endpoint.hpp"

namespace mf::manufactory {
namespace {

// Every actor has its own session, so its own link; events need an actor.
class ManufactoryPlatform final : public platforms::Platform {
 public:
  ManufactoryPlatform(const Config& c, platforms::PlatformDeps deps)
      : http_(deps.http), settings_{c.org_id, c.project_id, c.project_key, c.collector.url, c.collector.ws_url, c.session.ttl} {}

  std::string_view name() const override { return "manufactory"; }
  bool link_per_actor() const override { return true; }
  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::StreamEndpoint> stream_endpoint(const std::string& actor_json) override {
    return std::make_unique<Endpoint>(http_, settings_, actor_json);
  }

 private:
  net::HttpClient& http_;
  Settings settings_;
  ingest::EventPolicy policy_;  // actors required, every attribute goes
};

}  // namespace

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<ManufactoryPlatform>(config, deps);
}

}  // namespace mf::manufactory
