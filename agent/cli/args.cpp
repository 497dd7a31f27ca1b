#include "agent/cli/args.hpp"

#include "agent/common/units.hpp"

namespace mf::cli {

const char* const kUsage = R"(manufactory-agent: an edge agent that keeps local programs' actor events in a
bounded buffer (memory or disk) and delivers them, confirmed, at least once and
in order per actor, to one platform: Manufactory, SAMA, OISP or MobiusFlow
(the config's `platform:`).

Usage:
  manufactory-agent run [--config FILE]                 the daemon
  manufactory-agent send [--actor JSON] [EVENT_JSON ...]  hand it events
  manufactory-agent status [--json]                     what it is doing
  manufactory-agent check-config [--connect] [--keys]   validate the config (and try it)
  manufactory-agent --actor=<base64 JSON> --event=<base64 JSON>   one event, then exit
  manufactory-agent COMMAND --help                      one command's help
  manufactory-agent --version | --help

Options:
  --config FILE       Config file. Else $MANUFACTORY_AGENT_CONFIG, else config.yaml
                      next to the executable, else /etc/manufactory-agent/config.yaml.
  --log-level LEVEL   trace, debug, info, warn or error (overrides log.level).

Exit codes: 0 success; 1 runtime failure (network, time-out, daemon not
running); 2 usage or configuration error; 3 refused (by the server: credential,
target or event; by the daemon: a line `send` handed over was not accepted).
More: man manufactory-agent, man manufactory-agent.yaml.
)";

namespace {

const char* const kRunUsage = R"(manufactory-agent run [--config FILE] [--log-level LEVEL]

The daemon, in the foreground (systemd supervises it). It takes events on
ingest.socket, keeps them in the buffer, logs in to the platform and delivers
them. SIGTERM delivers what is buffered for up to shutdown_grace, then stops;
SIGHUP reloads what can change while running (credentials, targets, limits)
and names each key that needs a restart. Without ingest.socket or
state_directory in the config, a user who cannot write /run/manufactory-agent
and /var/lib/manufactory-agent gets $XDG_RUNTIME_DIR/manufactory-agent and
$XDG_STATE_HOME/manufactory-agent (else ~/.local/state/manufactory-agent).
)";

const char* const kSendUsage = R"(manufactory-agent send [--config FILE] [--socket PATH] [--actor JSON] [--timeout DUR] [EVENT_JSON ...]

Hands events to the running daemon. Each EVENT_JSON argument is one event (line
breaks in it are whitespace). Without one, reads NDJSON from stdin and hands
over each line as soon as it is complete, so `producer | manufactory-agent send`
streams. A line is an attributes object, or {"actor":{...},"attributes":{...}};
--actor JSON wraps every line with that actor. Exits 0 once the daemon has
accepted every line, 3 if it refused any (each named on stderr), 1 if it left
lines unanswered for --timeout (default 30s).
)";

const char* const kStatusUsage = R"(manufactory-agent status [--json] [--config FILE] [--socket PATH]

What the running daemon is doing: events accepted, delivered, waiting; the
buffer; connections and credentials; and, when something is wrong, why (a
refused credential or target). --json: the same as one JSON object.
)";

const char* const kCheckUsage = R"(manufactory-agent check-config [--config FILE] [--connect] [--keys[=text|markdown|man]]

Validates the configuration as `run` would, without starting: the file (every
error with file:line:column), the secrets' sources, the CA file, and that every
directory the daemon writes can be written by this user. Prints what the
platform will log in as (never a secret). --connect then logs in and opens
the link (a streaming platform's WebSocket, as the default actor), sends no
event, and says what it found; exit codes as the one-shot's (0 connected,
1 network or server, 2 config, 3 refused). --keys lists every key with its
type, default and meaning.
)";

const char* const kOneshotUsage = R"(manufactory-agent --actor=<base64 JSON> --event=<base64 JSON> [--config FILE]

The vendor's one-shot: log in, deliver one event, wait for its confirmation,
exit (0 delivered; 1 network or time-out; 2 configuration; 3 refused).
--actor may be left out when the config has an `actor` mapping.
)";

}  // namespace

const char* usage_of(std::optional<Command> command) {
  if (!command) return kUsage;
  switch (*command) {
    case Command::run: return kRunUsage;
    case Command::send: return kSendUsage;
    case Command::status: return kStatusUsage;
    case Command::check_config: return kCheckUsage;
    case Command::oneshot: return kOneshotUsage;
    default: return kUsage;
  }
}

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

// The command a --help is about, wherever it stands on the line.
std::optional<Command> command_named(const std::vector<std::string>& argv) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "run") return Command::run;
    if (a == "send") return Command::send;
    if (a == "status") return Command::status;
    if (a == "check-config") return Command::check_config;
    if (is_option(a, "--event") || is_option(a, "--actor")) return Command::oneshot;
  }
  return std::nullopt;
}

}  // namespace

Expected<Args> parse_args(const std::vector<std::string>& argv) {
  Args args;
  std::optional<Command> command;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      Args only;
      only.command = arg == "--version" ? Command::version : Command::help;
      if (only.command == Command::help) only.help_topic = command_named(argv);
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
    } else if (is_option(arg, "--timeout")) {
      auto text = option_value(argv, i, "--timeout");
      auto d = text ? parse_duration(*text) : Expected<Duration>(fail(ErrorKind::usage, "no value"));
      if (!d || d->count() <= 0) return usage("--timeout needs a duration such as 30s or 2m");
      args.reply_timeout = *d;
    } else if (arg == "--json") {
      args.json = true;
    } else if (arg == "--connect") {
      args.connect = true;
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
  if (args.connect && command != Command::check_config) return usage("--connect goes with check-config");
  if (args.socket && command != Command::send && command != Command::status) return usage("--socket goes with send or status");
  if (args.reply_timeout && command != Command::send) return usage("--timeout goes with send");
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
