#include <boost/version.hpp>

#include <cstdio>
#include <exception>
#include <sstream>

#include "agent/cli/commands.hpp"
#include "agent/common/log.hpp"
#include "agent/config/config_loader.hpp"
#include "agent/config/config_lookup.hpp"
#include "agent/platforms/registry.hpp"
#include "agent/net/tls.hpp"
#include "agent/net/ws_backend.hpp"

namespace mf::cli {

// Under systemd each line is a journal record at priority err ("<3>").
void print_error(const Error& error) {
  const char* priority = log::stderr_is_journal() ? "<3>" : "";
  std::istringstream lines(error.message);
  for (std::string line; std::getline(lines, line);) {
    std::fprintf(stderr, "%smanufactory-agent: error: %s\n", priority, line.c_str());
  }
}

Expected<Config> load_config_for(const Args& args) {
  config::LookupInputs lookup{args.config_path, config::process_environment(), config::executable_directory()};
  auto path = config::find_config_file(lookup);
  if (!path) return fail(path.error());
  auto loaded = config::load_file(*path, lookup.env, platforms::config_decls());
  if (!loaded) return fail(loaded.error());
  const log::Level level = args.log_level.value_or(loaded->config.log.level);
  log::setup(log::options_from_environment(level));
  for (const auto& warning : loaded->warnings) log::warn("{}", warning);
  return std::move(loaded->config);
}

// What a bug report needs: the version, the commit it was built from, the
// WebSocket backend and the libraries it runs with.
std::string version_text() {
  return std::string("manufactory-agent ") + MF_VERSION + " (commit " + MF_COMMIT + ")\n" + "  WebSocket: " + net::ws_backend_name() +
         "; " + net::tls_library_version() + "; Boost " + std::to_string(BOOST_VERSION / 100000) + "." +
         std::to_string(BOOST_VERSION / 100 % 1000) + "\n";
}

int run_cli(const std::vector<std::string>& argv) {
  log::setup(log::options_from_environment(log::Level::info));
  auto args = parse_args(argv);
  if (!args) {
    print_error(args.error());
    return exit_code_for(args.error().kind);
  }
  try {
    switch (args->command) {
      case Command::help: std::fputs(usage_of(args->help_topic), stdout); return 0;
      case Command::version: std::printf("%s", version_text().c_str()); return 0;
      case Command::check_config: return args->list_keys ? list_config_keys(*args->list_keys) : check_config(*args);
      case Command::run: return run_daemon(*args);
      case Command::send: return send(*args);
      case Command::status: return status(*args);
      case Command::oneshot: {
        auto config = load_config_for(*args);
        if (!config) {
          print_error(config.error());
          return exit_code_for(config.error().kind);
        }
        return oneshot(*args, *config);
      }
    }
  } catch (const std::exception& e) {
    print_error(make_error(ErrorKind::internal, std::string("internal error: ") + e.what()));
    return 1;
  }
  return 1;
}

}  // namespace mf::cli
