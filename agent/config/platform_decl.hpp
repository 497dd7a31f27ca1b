#pragma once
// A platform as the configuration knows it, declared in the platform's folder
// (agent/platforms/<name>/keys.cpp): its name, how it delivers, its keys, its
// typed section and the checks between its keys. The loader is handed the
// list of them (agent/platforms/registry.cpp); config/ names no platform.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config_keys.hpp"
#include "agent/config/platform_settings.hpp"

namespace mf::config {

class Checker;

enum class Delivery {
  stream_per_actor,  // a WebSocket per actor (collector.ws_url)
  stream_shared,     // one WebSocket for every actor (collector.ws_url)
  batch,             // HTTPS requests to collector.url, events of several actors in one
};

struct PlatformDecl {
  std::string_view name;
  std::string_view doc;
  Delivery delivery;
  bool uses_actor;  // events name an actor (the config's `actor` is its default)
  const std::vector<KeyDecl>& (*keys)();
  std::unique_ptr<PlatformSettings> (*make_settings)();
  void (*check)(Checker& checker);  // required keys, secrets, rules between keys
  // What check-config says about it: whom it logs in as, from which secret's
  // source (never the secret); lines starting with two spaces.
  std::string (*describe)(const Config& config);
  // Whether it keeps state in state_directory with this configuration.
  bool (*writes_state)(const Config& config);

  bool streams() const { return delivery != Delivery::batch; }
};

using PlatformList = std::vector<const PlatformDecl*>;

// PlatformDecl::make_settings for a platform's Settings type.
template <class Settings>
std::unique_ptr<PlatformSettings> make_settings() {
  return std::make_unique<Settings>();
}

}  // namespace mf::config
