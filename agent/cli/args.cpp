#include "agent/cli/args.hpp"

namespace mf::cli {

const char* const kUsage = R"(manufactory-agent: send actor events to a Manufactory collector

Usage:
  manufactory-agent --actor=<base64 JSON> --event=<base64 JSON> [--config FILE]
      Authenticate, connect, pair, send one event, wait for its reply, exit.
      --actor may be left out when the config file has an `actor` mapping.
  manufactory-agent run [--config FILE]
      The daemon, in the foreground (systemd supervises it). SIGTERM drains
      and stops; SIGHUP reloads what can change while running and names the rest.
  manufactory-agent send [--config FILE] [--socket PATH] [--actor JSON] [EVENT_JSON ...]
      Hand events to the running daemon. Without EVENT_JSON, reads NDJSON from
      stdin: each line an attributes object or {"actor":{...},"attributes":{...}}.
      Exits 0 once the daemon has accepted every line.
  manufactory-agent status [--json] [--config FILE] [--socket PATH]
      What the running daemon is doing.
  manufactory-agent check-config [--config FILE] [--keys[=text|markdown|man]]
      Validate the configuration and exit; --keys lists every key with its
      type, default and meaning.
  manufactory-agent --version | --help

Options:
  --config FILE       Config file. Else $MANUFACTORY_AGENT_CONFIG, else config.yaml
                      next to the executable, else /etc/manufactory-agent/config.yaml.
  --log-level LEVEL   trace, debug, info, warn or error (overrides log.level).

Exit codes: 0 success; 1 runtime failure (network, time-out, daemon not
running); 2 usage or configuration error; 3 refused (by the collector: key or
event rejected; by the daemon: a line `send` handed over was not accepted).
)";

namespace {

Unexpected usage(const std::string& message) {
  return fail(ErrorKind::usage, message + " (see manufactory-agent --help)");
}

// "--name=value" or "--name value"; advances i past a separate value.
std::optional<std::string> option_value(const std::vector<std::string>& argv, std::size_t& i, const std::string& name) {
  const std::string& arg = argv[i];
  if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
  if (arg == name && i + 1 < argv.size()) return argv[++i];
  return std::nullopt;
}

bool is_option(const std::string& arg, const std::string& name) { return arg == name || arg.rfind(name + "=", 0) == 0; }

}  // namespace

Expected<Args> parse_args(const std::vector<std::string>& argv) {
  Args args;
  std::optional<Command> command;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      Args only;
      only.command = arg == "--version" ? Command::version : Command::help;
      return only;
    }
    if (is_option(arg, "--config")) {
      args.config_path = option_value(argv, i, "--config");
      if (!args.config_path || args.config_path->empty()) return usage("--config needs a file name");
    } else if (is_option(arg, "--log-level")) {
      auto text = option_value(argv, i, "--log-level");
      if (!text) return usage("--log-level needs a level");
      auto level = log::parse_level(*text);
      if (!level) return usage(level.error().message);
      args.log_level = *level;
    } else if (is_option(arg, "--actor")) {
      args.actor_base64 = option_value(argv, i, "--actor");
      if (!args.actor_base64) return usage("--actor needs a base64-encoded JSON object");
    } else if (is_option(arg, "--event")) {
      args.event_base64 = option_value(argv, i, "--event");
      if (!args.event_base64) return usage("--event needs a base64-encoded JSON object");
    } else if (arg == "--keys" || arg.rfind("--keys=", 0) == 0) {
      const std::string format = arg == "--keys" ? "text" : arg.substr(7);
      if (format == "text") args.list_keys = config::KeyFormat::text;
      else if (format == "markdown") args.list_keys = config::KeyFormat::markdown;
      else if (format == "man") args.list_keys = config::KeyFormat::man;
      else return usage("--keys takes text, markdown or man, not '" + format + "'");
    } else if (arg == "--json") {
      args.json = true;
    } else if (is_option(arg, "--socket")) {
      args.socket = option_value(argv, i, "--socket");
      if (!args.socket || args.socket->empty()) return usage("--socket needs a path");
    } else if (!command && (arg == "check-config" || arg == "run" || arg == "send" || arg == "status")) {
      command = arg == "run" ? Command::run : arg == "send" ? Command::send : arg == "status" ? Command::status : Command::check_config;
    } else if (!arg.empty() && arg.front() == '-' && arg != "-") {
      return usage("unknown option '" + arg + "'");
    } else if (command == Command::send) {
      args.events.push_back(arg);
    } else {
      return usage("unknown command '" + arg + "'");
    }
  }
  if (args.json && command != Command::status) return usage("--json goes with status");
  if (args.socket && command != Command::send && command != Command::status) return usage("--socket goes with send or status");
  if (command == Command::send) {
    if (args.event_base64) return usage("send takes events as JSON arguments or on stdin, not --event");
    args.actor_json = std::move(args.actor_base64);  // for send, --actor is plain JSON
    args.command = Command::send;
    return args;
  }
  if (command == Command::run || command == Command::status) {
    if (args.actor_base64 || args.event_base64) return usage("run and status take no --actor or --event");
    args.command = *command;
    return args;
  }
  if (command == Command::check_config) {
    if (args.actor_base64 || args.event_base64) return usage("check-config takes no --actor or --event");
    args.command = Command::check_config;
    return args;
  }
  if (args.list_keys) return usage("--keys goes with check-config");
  if (args.event_base64) {
    args.command = Command::oneshot;
    return args;
  }
  if (args.actor_base64) return usage("--actor needs --event: the one-shot mode sends one event");
  return usage("nothing to do: give --actor and --event, or a command");
}

}  // namespace mf::cli
