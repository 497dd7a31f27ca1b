#include "agent/platforms/manufactory/platform.hpp"

#include "agent/platforms/manufactory/endpoint.hpp"
#include "agent/platforms/manufactory/schema/schema_policy.hpp"
#include "agent/platforms/manufactory/schema/schema_source.hpp"

namespace mf::manufactory {
namespace {

SchemaLocation schema_location(const Config& c) {
  return {c.org_id, c.project_id, c.collector.url, c.state_directory + "/manufactory-schema.json"};
}

// Every actor has its own session, so its own link; events need an actor and,
// with a schema, must fit it.
class ManufactoryPlatform final : public platforms::Platform {
 public:
  ManufactoryPlatform(const Config& c, platforms::PlatformDeps deps)
      : http_(deps.http),
        settings_{c.org_id, c.project_id, c.project_key, c.collector.url, c.collector.ws_url, c.session.ttl},
        schemas_(c.schema, schema_location(c), deps.http, deps.scheduler, deps.clock),
        policy_(schemas_) {}

  std::string_view name() const override { return "manufactory"; }
  bool link_per_actor() const override { return true; }
  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::StreamEndpoint> stream_endpoint(const std::string& actor_json) override {
    return std::make_unique<Endpoint>(http_, settings_, actor_json);
  }

  Status load() override { return schemas_.load(); }
  void start(bool keep_fresh, std::function<void()> settled) override { schemas_.start(keep_fresh, std::move(settled)); }
  std::vector<std::string> reload(const Config& next) override {
    schemas_.reload(next.schema);
    settings_.project_key = next.project_key;  // the next /auth of every actor uses it
    std::vector<std::string> restart;
    if (next.org_id != settings_.org_id) restart.push_back("org_id");
    if (next.project_id != settings_.project_id) restart.push_back("project_id");
    if (next.collector.url.to_string() != settings_.url.to_string()) restart.push_back("collector.url");
    if (next.collector.ws_url.to_string() != settings_.ws_url.to_string()) restart.push_back("collector.ws_url");
    if (next.session.ttl != settings_.session_ttl) restart.push_back("session.ttl");
    return restart;
  }
  std::string validation() const override { return schemas_.describe(); }

 private:
  net::HttpClient& http_;
  Settings settings_;
  SchemaSource schemas_;
  SchemaPolicy policy_;
};

}  // namespace

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<ManufactoryPlatform>(config, deps);
}

}  // namespace mf::manufactory
