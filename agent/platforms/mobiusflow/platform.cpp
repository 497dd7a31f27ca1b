#include "agent/platforms/mobiusflow/platform.hpp"

#include "agent/config/suggest.hpp"
#include "agent/platforms/mobiusflow/endpoint.hpp"
#include "agent/platforms/mobiusflow/keys.hpp"

namespace mf::mobiusflow {
namespace {

// No actors; every attribute needs a point (or is left out, counted, with
// `unmapped: ignore`); a point holds one value.
class MobiusPolicy final : public ingest::EventPolicy {
 public:
  explicit MobiusPolicy(const Settings& s) : settings_(s) {}
  ingest::Actors actors() const override { return ingest::Actors::none; }

  Status admit(const std::vector<ingest::AttributeInfo>& attributes, std::vector<std::string_view>& leave_out) const override {
    for (const auto& a : attributes) {
      const std::string name(a.name);
      if (settings_.resources.count(name) == 0) {
        if (settings_.unmapped == Unmapped::ignore) {
          leave_out.push_back(a.name);
          continue;
        }
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' has no point" + typo_hint(name) +
                                                  ": add it to mobiusflow.resources (`" + name +
                                                  ": HID/SID/PID/INS/RID`, the point that holds it), or set mobiusflow.unmapped: ignore");
      }
      if (a.kind == ingest::ValueKind::object || a.kind == ingest::ValueKind::array) {
        return fail(ErrorKind::invalid_input, "attribute '" + name + "' is not a single value: a point holds a number, a "
                                                  "string, a boolean or null");
      }
    }
    return {};
  }

 private:
  // A mapped attribute this one is a typo of; never another attribute's point as an example.
  std::string typo_hint(const std::string& name) const {
    std::vector<std::string> mapped;
    for (const auto& [attribute, point] : settings_.resources) mapped.push_back(attribute);
    const std::string close = config::closest_match(name, mapped);
    return close.empty() ? "" : " (did you mean '" + close + "'?)";
  }

  const Settings& settings_;
};

class MobiusPlatform final : public platforms::Platform {
 public:
  MobiusPlatform(const Config& c, platforms::PlatformDeps deps)
      : platforms::Platform(config_decl()), deps_(deps), settings_(c.section<Settings>()), url_(c.collector.url), policy_(settings_) {}

  const ingest::EventPolicy& event_policy() const override { return policy_; }
  std::unique_ptr<uplink::BatchEndpoint> batch_endpoint() override {
    return std::make_unique<Endpoint>(deps_.http, deps_.scheduler, settings_, url_);
  }
  // The endpoint reads the settings at each login and write: a rotated
  // password, another user or priority apply from the next one. The points
  // are the order keys of buffered events: they change at a restart.
  std::vector<std::string> reload(const Config& next) override {
    const Settings& n = next.section<Settings>();
    std::vector<std::string> restart;
    if (n.resources != settings_.resources) restart.push_back("mobiusflow.resources");
    if (n.unmapped != settings_.unmapped) restart.push_back("mobiusflow.unmapped");
    if (next.collector.url.to_string() != url_.to_string()) restart.push_back("collector.url");
    platforms::take_login(settings_, n);
    settings_.priority = n.priority;
    return restart;
  }

 private:
  platforms::PlatformDeps deps_;
  Settings settings_;
  net::Url url_;
  MobiusPolicy policy_;
};

std::unique_ptr<platforms::Platform> make_platform(const Config& config, platforms::PlatformDeps deps) {
  return std::make_unique<MobiusPlatform>(config, deps);
}

}  // namespace

const platforms::Descriptor& descriptor() {
  static const platforms::Descriptor d{config_decl(), &make_platform};
  return d;
}

}  // namespace mf::mobiusflow
