#include "agent/platforms/oisp/platform.hpp"

#include "agent/platforms/oisp/endpoint.hpp"

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
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' has no OISP component type: add it to oisp.components "
                                                  "(e.g. `" + name + ": temperature.v1.0`) or set oisp.default_component_type");
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
      : deps_(deps), settings_(c.oisp), url_(c.collector.url), state_path_(state_path(c.state_directory, c.oisp.device_id)),
        policy_(settings_) {}

  std::string_view name() const override { return "oisp"; }
  bool link_per_actor() const override { return false; }
  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::BatchEndpoint> batch_endpoint() override {
    return std::make_unique<Endpoint>(EndpointDeps{deps_.http, deps_.clock, deps_.random}, settings_, url_, state_path_);
  }

 private:
  platforms::PlatformDeps deps_;
  Settings settings_;
  net::Url url_;
  std::string state_path_;
  OispPolicy policy_;
};

}  // namespace

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<OispPlatform>(config, deps);
}

}  // namespace mf::oisp
