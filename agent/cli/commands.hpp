#pragma once
#include "agent/cli/args.hpp"
#include "agent/config/config.hpp"
#include "agent/config/key_reference.hpp"

namespace mf::cli {

// Each returns the process exit code (SPEC §4).
int run_cli(const std::vector<std::string>& argv);
int check_config(const Args& args);
int list_config_keys(config::KeyFormat format);
int oneshot(const Args& args, const Config& config);
// check-config --connect: log in and open the link, send nothing.
int connect_check(const Config& config);
int run_daemon(const Args& args);
int send(const Args& args);
int status(const Args& args);

// Loads the config found by the lookup order, prints warnings, sets up logging.
Expected<Config> load_config_for(const Args& args);

// "manufactory-agent: error: ..." on stderr, one line per line of the message.
void print_error(const Error& error);

}  // namespace mf::cli
