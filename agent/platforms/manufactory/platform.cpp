#include "agent/platforms/manufactory/platform.hpp"

#include "agent/platforms/manufactory/endpoint.hpp"
#include "agent/platforms/manufactory/keys.hpp"
#include "agent/platforms/manufactory/schema/schema_policy.hpp"
#include "agent/platforms/manufactory/schema/schema_source.hpp"

namespace mf::manufactory {
namespace {

SchemaLocation schema_location(const Config& c) {
  const auto& s = c.section<Settings>();
  return {s.org_id, s.project_id, c.collector.url, c.state_directory + "/manufactory-schema.json"};
}

EndpointSettings endpoint_settings(const Config& c) {
  const auto& s = c.section<Settings>();
  return {s.org_id, s.project_id, s.project_key, c.collector.url, c.collector.ws_url, s.session_ttl};
}

// Every actor has its own session, so its own link; events need an actor and,
// with a schema, must fit it.
class ManufactoryPlatform final : public platforms::Platform {
 public:
  ManufactoryPlatform(const Config& c, platforms::PlatformDeps deps)
      : platforms::Platform(config_decl()), http_(deps.http),
        settings_(endpoint_settings(c)),
        schemas_(c.section<Settings>().schema, schema_location(c), deps.http, deps.scheduler, deps.clock),
        policy_(schemas_) {}

  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::StreamEndpoint> stream_endpoint(const std::string& actor_json) override {
    return std::make_unique<Endpoint>(http_, settings_, actor_json);
  }

  Status load() override { return schemas_.load(); }
  void start(bool keep_fresh, std::function<void()> settled) override { schemas_.start(keep_fresh, std::move(settled)); }
  std::vector<std::string> reload(const Config& next) override {
    const auto& n = next.section<Settings>();
    schemas_.reload(n.schema);
    settings_.project_key = n.project_key;  // the next /auth of every actor uses it
    std::vector<std::string> restart;
    if (n.org_id != settings_.org_id) restart.push_back("org_id");
    if (n.project_id != settings_.project_id) restart.push_back("project_id");
    if (next.collector.url.to_string() != settings_.url.to_string()) restart.push_back("collector.url");
    if (next.collector.ws_url.to_string() != settings_.ws_url.to_string()) restart.push_back("collector.ws_url");
    if (n.session_ttl != settings_.session_ttl) restart.push_back("session.ttl");
    return restart;
  }
  std::string validation() const override { return schemas_.describe(); }

 private:
  net::HttpClient& http_;
  EndpointSettings settings_;
  SchemaSource schemas_;
  SchemaPolicy policy_;
};

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<ManufactoryPlatform>(config, deps);
}

}  // namespace

const platforms::Descriptor& descriptor() {
  static const platforms::Descriptor d{config_decl(), &make_platform};
  return d;
}

}  // namespace mf::manufactory
