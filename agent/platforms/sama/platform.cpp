#include "agent/platforms/sama/platform.hpp"

#include "agent/platforms/sama/endpoint.hpp"
#include "agent/platforms/sama/keys.hpp"

namespace mf::sama {
namespace {

// The validation limit of a message body (characters; the body is the attributes' JSON).
constexpr std::size_t kMaxBody = 65'536;

// Actors are optional (they travel in x when given); the body has a limit.
class SamaPolicy final : public ingest::EventPolicy {
 public:
  ingest::Actors actors() const override { return ingest::Actors::optional; }
  std::size_t max_attributes_bytes() const override { return kMaxBody; }
};

// One login, one WebSocket for the whole agent.
class SamaPlatform final : public platforms::Platform {
 public:
  SamaPlatform(const Config& c, platforms::PlatformDeps deps)
      : platforms::Platform(config_decl()), scheduler_(deps.scheduler), http_(deps.http), settings_(c.section<Settings>()), url_(c.collector.url), ws_url_(c.collector.ws_url) {}

  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::StreamEndpoint> stream_endpoint(const std::string&) override {
    return std::make_unique<Endpoint>(http_, scheduler_, settings_, url_, ws_url_);
  }
  // The endpoint reads the settings when it logs in and writes a message:
  // a rotated password, another login or conversation apply from the next one.
  std::vector<std::string> reload(const Config& next) override {
    std::vector<std::string> restart;
    if (next.section<Settings>().device_id != settings_.device_id) restart.push_back("sama.device_id");  // names every event id
    if (next.collector.url.to_string() != url_.to_string()) restart.push_back("collector.url");
    if (next.collector.ws_url.to_string() != ws_url_.to_string()) restart.push_back("collector.ws_url");
    const std::string device_id = settings_.device_id;
    settings_ = next.section<Settings>();
    settings_.device_id = device_id;
    return restart;
  }

 private:
  Scheduler& scheduler_;
  net::HttpClient& http_;
  Settings settings_;
  net::Url url_;
  net::Url ws_url_;
  SamaPolicy policy_;
};

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<SamaPlatform>(config, deps);
}

}  // namespace

const platforms::Descriptor& descriptor() {
  static const platforms::Descriptor d{config_decl(), &make_platform};
  return d;
}

}  // namespace mf::sama
