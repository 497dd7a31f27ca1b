#include "agent/platforms/oisp/platform.hpp"

#include "agent/config/suggest.hpp"
#include "agent/platforms/oisp/endpoint.hpp"
#include "agent/platforms/oisp/keys.hpp"

namespace mf::oisp {
namespace {

constexpr std::size_t kMinComponentName = 4;

// Every attribute becomes a component: it needs a type, a name OISP takes,
// and a value OISP stores (a number, a string or a boolean).
class OispPolicy final : public ingest::EventPolicy {
 public:
  explicit OispPolicy(const Settings& s) : settings_(s) {}
  ingest::Actors actors() const override { return ingest::Actors::optional; }

  Status admit(const std::vector<ingest::AttributeInfo>& attributes, std::vector<std::string_view>&) const override {
    for (const auto& a : attributes) {
      const std::string name(a.name);
      if (a.kind == ingest::ValueKind::object || a.kind == ingest::ValueKind::array || a.kind == ingest::ValueKind::null) {
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' is " +
                                                  (a.kind == ingest::ValueKind::null ? "null" : "not a single value") +
                                                  ": OISP stores numbers, strings and booleans");
      }
      if (settings_.components.count(name) == 0 && settings_.default_component_type.empty()) {
        std::vector<std::string> mapped;
        for (const auto& [attribute, type] : settings_.components) mapped.push_back(attribute);
        const std::string close = config::closest_match(name, mapped);
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' has no OISP component type" +
                                                  (close.empty() ? "" : " (did you mean '" + close + "'?)") +
                                                  ": add it to oisp.components (`" + name +
                                                  ": <a type in the account's catalog>`) or set oisp.default_component_type");
      }
      if (name.size() < kMinComponentName) {
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' is shorter than the 4 characters OISP requires of a "
                                                  "component name; rename it");
      }
    }
    return {};
  }

 private:
  const Settings& settings_;
};

// One device for the whole agent; actors travel with each item.
class OispPlatform final : public platforms::Platform {
 public:
  OispPlatform(const Config& c, platforms::PlatformDeps deps)
      : platforms::Platform(config_decl()), deps_(deps), settings_(c.section<Settings>()), url_(c.collector.url), state_path_(state_path(c.state_directory, c.section<Settings>().device_id)),
        policy_(settings_) {}

  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::BatchEndpoint> batch_endpoint() override {
    return std::make_unique<Endpoint>(EndpointDeps{deps_.http, deps_.clock, deps_.random}, settings_, url_, state_path_);
  }
  // The user's password and the activation code apply from the next login;
  // the device and its components are kept state, changed only at a restart.
  std::vector<std::string> reload(const Config& next) override {
    const Settings& n = next.section<Settings>();
    std::vector<std::string> restart;
    if (n.device_id != settings_.device_id) restart.push_back("oisp.device_id");
    if (n.gateway_id != settings_.gateway_id) restart.push_back("oisp.gateway_id");
    if (n.device_name != settings_.device_name) restart.push_back("oisp.device_name");
    if (n.account_id != settings_.account_id) restart.push_back("oisp.account_id");
    if (n.components != settings_.components) restart.push_back("oisp.components");
    if (n.default_component_type != settings_.default_component_type) restart.push_back("oisp.default_component_type");
    if (n.max_requests_per_hour != settings_.max_requests_per_hour) restart.push_back("oisp.max_requests_per_hour");
    if (next.collector.url.to_string() != url_.to_string()) restart.push_back("collector.url");
    platforms::take_login(settings_, n);
    settings_.activation_code = n.activation_code;
    return restart;
  }

 private:
  platforms::PlatformDeps deps_;
  Settings settings_;
  net::Url url_;
  std::string state_path_;
  OispPolicy policy_;
};

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<OispPlatform>(config, deps);
}

}  // namespace

const platforms::Descriptor& descriptor() {
  static const platforms::Descriptor d{config_decl(), &make_platform};
  return d;
}

}  // namespace mf::oisp
