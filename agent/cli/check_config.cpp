#include <cstdio>

#include "agent/cli/commands.hpp"
#include "agent/common/units.hpp"
#include "agent/config/config_keys.hpp"

namespace mf::cli {

int check_config(const Args& args) {
  auto config = load_config_for(args);
  if (!config) {
    print_error(config.error());
    return exit_code_for(config.error().kind);
  }
  std::printf("%s: valid\n", config->source_path.c_str());
  std::printf("  org_id %s, project_id %lld, project key from %s\n", config->org_id.c_str(),
              static_cast<long long>(config->project_id), config->project_key_source.c_str());
  std::printf("  collector %s, websocket %s\n", config->collector.url.to_string().c_str(),
              config->collector.ws_url.to_string().c_str());
  std::printf("  default actor: %s\n", config->actor_json.empty() ? "(none)" : config->actor_json.c_str());
  return 0;
}

int list_config_keys() {
  for (const auto& key : config::declared_keys()) {
    std::printf("%-28s %-9s %-34s %s\n", std::string(key.name).c_str(), config::type_name(key.type),
                key.default_text.empty() ? "-" : std::string(key.default_text).c_str(), std::string(key.doc).c_str());
  }
  return 0;
}

}  // namespace mf::cli
