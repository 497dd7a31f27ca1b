#pragma once
// The Manufactory keys (SPEC §5): the three of the vendor's config.yaml, the
// URLs and the session length.
#include <cstdint>
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/url.hpp"

namespace mf::manufactory {

struct Settings {
  std::string org_id;
  std::int64_t project_id = 0;
  Secret project_key;
  net::Url url;     // collector.url
  net::Url ws_url;  // collector.ws_url
  Duration session_ttl{};
};

}  // namespace mf::manufactory
