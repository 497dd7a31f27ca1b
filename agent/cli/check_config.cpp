#include <cstdio>

#include "agent/cli/commands.hpp"
#include "agent/cli/preflight.hpp"
#include "agent/common/units.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/key_reference.hpp"

namespace mf::cli {
namespace {

// What the platform will log in as, and with which secret's source (never the secret).
void print_platform(const Config& c) {
  switch (c.platform) {
    case Platform::manufactory:
      std::printf("  org_id %s, project_id %lld, project key from %s\n", c.org_id.c_str(),
                  static_cast<long long>(c.project_id), c.project_key_source.c_str());
      if (c.schema.from_file()) {
        std::printf("  schemas from %s; undeclared attributes: %s\n", c.schema.file.c_str(),
                    c.schema.allow_unknown ? "allowed" : "refused");
      } else if (c.schema.pulled()) {
        std::printf("  schemas pulled from the collector every %s (access token from %s), kept in %s; undeclared attributes: %s\n",
                    format_duration(c.schema.refresh).c_str(), c.schema.access_token_source.c_str(),
                    c.state_directory.c_str(), c.schema.allow_unknown ? "allowed" : "refused");
      } else {
        std::printf("  no schema: attribute names are checked, values are not\n");
      }
      return;
    case Platform::sama:
      std::printf("  login %s of organization %s as device %s, password from %s; events go to conversation %s\n",
                  c.sama.login.c_str(), c.sama.organization_id.c_str(), c.sama.device_id.c_str(),
                  c.sama.password_source.c_str(), c.sama.conversation_id.c_str());
      return;
    case Platform::oisp:
      std::printf("  device %s (gateway %s), onboarding with %s; %zu components mapped, default type %s\n",
                  c.oisp.device_id.c_str(), c.oisp.gateway_id.c_str(),
                  !c.oisp.username.empty() ? ("user " + c.oisp.username + ", password from " + c.oisp.password_source).c_str()
                  : !c.oisp.activation_code.empty() ? "the configured activation code"
                                                    : "nothing: the kept device token must do",
                  c.oisp.components.size(), c.oisp.default_component_type.empty() ? "(none)" : c.oisp.default_component_type.c_str());
      return;
    case Platform::mobiusflow:
      std::printf("  user %s, password from %s; %zu attributes mapped to points, priority %d, unmapped: %s\n",
                  c.mobiusflow.username.c_str(), c.mobiusflow.password_source.c_str(), c.mobiusflow.resources.size(),
                  c.mobiusflow.priority, c.mobiusflow.unmapped == mobiusflow::Unmapped::refuse ? "refuse" : "ignore");
      return;
  }
}

}  // namespace

int check_config(const Args& args) {
  auto config = load_config_for(args);
  if (!config) {
    print_error(config.error());
    return exit_code_for(config.error().kind);
  }
  if (auto ok = preflight(*config); !ok) {
    print_error(ok.error());
    return exit_code_for(ok.error().kind);
  }
  std::printf("%s: valid (platform %s)\n", config->source_path.c_str(), to_string(config->platform));
  print_platform(*config);
  const bool streams = config->platform == Platform::manufactory || config->platform == Platform::sama;
  if (streams) {
    std::printf("  collector %s, websocket %s\n", config->collector.url.to_string().c_str(),
                config->collector.ws_url.to_string().c_str());
  } else {
    std::printf("  collector %s\n", config->collector.url.to_string().c_str());
  }
  if (const auto& proxy = config->collector.proxy) {
    std::printf("  through the proxy %s (from %s%s)%s%s\n", proxy->describe().c_str(), config->collector.proxy_source.c_str(),
                proxy->credentials.empty() ? "" : ", with credentials", proxy->no_proxy.empty() ? "" : "; not for: ",
                proxy->no_proxy.c_str());
  }
  if (config->metrics.enabled) {
    std::printf("  metrics on http://%s/metrics\n", config->metrics.listen.to_string().c_str());
  }
  if (config->platform != Platform::mobiusflow) {
    std::printf("  default actor: %s\n", config->actor_json.empty() ? "(none)" : config->actor_json.c_str());
  }
  return 0;
}

int list_config_keys(config::KeyFormat format) {
  std::fputs(config::key_reference(format).c_str(), stdout);
  return 0;
}

}  // namespace mf::cli
