#include <cstdio>
#include <string>

#include "agent/cli/commands.hpp"
#include "agent/cli/preflight.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/key_reference.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/platforms/registry.hpp"

namespace mf::cli {
namespace {

// The inputs beside the ingest socket, as the daemon will take them (never a secret).
void print_inputs(const Config& c) {
  const auto& mqtt = c.inputs.mqtt;
  if (mqtt.enabled) {
    std::printf("  mqtt input: %s as client %s%s%s\n", mqtt.url.c_str(), mqtt.client_id.c_str(),
                mqtt.username.empty() ? "" : (", user " + mqtt.username).c_str(),
                mqtt.password.empty() ? "" : (", password from " + mqtt.password_source).c_str());
    for (const auto& t : mqtt.topics) {
      std::printf("    %s -> %s\n", t.filter.c_str(), t.actor_template.empty() ? "the default actor" : t.actor_template.c_str());
    }
  }
  const auto& http = c.inputs.http;
  if (http.enabled) {
    std::printf("  http input: POST http://%s/v1/events%s\n", http.listen.to_string().c_str(),
                http.token.empty() ? "" : (", bearer token from " + http.token_source).c_str());
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
  const config::PlatformDecl& platform = *config->platform;
  std::printf("%s: valid (platform %s)\n", config->source_path.c_str(), std::string(platform.name).c_str());
  // What the platform will log in as, and with which secret's source (never the secret).
  std::fputs(platform.describe(*config).c_str(), stdout);
  if (platform.streams()) {
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
  if (platform.uses_actor) {
    std::printf("  default actor: %s\n", config->actor_json.empty() ? "(none)" : config->actor_json.c_str());
  }
  print_inputs(*config);
  if (args.connect) {
    std::fflush(stdout);
    return connect_check(*config);
  }
  return 0;
}

int list_config_keys(config::KeyFormat format) {
  std::fputs(config::key_reference(format, config::KeyTable(platforms::config_decls())).c_str(), stdout);
  return 0;
}

}  // namespace mf::cli
