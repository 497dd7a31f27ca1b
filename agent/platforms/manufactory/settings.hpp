#pragma once
// The Manufactory keys (SPEC §5): the three of the vendor's config.yaml, the
// session length and the schemas.
#include <cstdint>
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"
#include "agent/config/platform_settings.hpp"
#include "agent/net/url.hpp"
#include "agent/platforms/manufactory/schema/settings.hpp"

namespace mf::manufactory {

// The section of the configuration: the vendor's config.yaml keys at the top
// level, session.ttl and schema.*.
struct Settings : config::PlatformSettingsOf<Settings> {
  std::string org_id;
  std::int64_t project_id = 0;
  Secret project_key;
  std::string project_key_file;    // as configured, empty when not used
  std::string project_key_source;  // "config file", "project_key_file <path>", "MANUFACTORY_PROJECT_KEY"
  Duration session_ttl{};
  SchemaSettings schema;
};

// What its endpoints use.
struct EndpointSettings {
  std::string org_id;
  std::int64_t project_id = 0;
  Secret project_key;
  net::Url url;     // collector.url
  net::Url ws_url;  // collector.ws_url
  Duration session_ttl{};
};

}  // namespace mf::manufactory
