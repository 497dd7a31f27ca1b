// run, send, status: the daemon and its two local clients.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "agent/cli/commands.hpp"
#include "agent/cli/preflight.hpp"
#include "agent/cli/unix_client.hpp"
#include "agent/common/json.hpp"
#include "agent/config/config_lookup.hpp"
#include "agent/config/default_paths.hpp"
#include "agent/daemon/daemon.hpp"
#include "agent/daemon/status.hpp"
#include "agent/event/envelope.hpp"

namespace mf::cli {
namespace {

int report(const Error& error) {
  print_error(error);
  return exit_code_for(error.kind);
}

// --socket, else the configured one, else the default when there is no config at all.
Expected<std::string> socket_path(const Args& args, bool control) {
  if (args.socket) return *args.socket;
  config::LookupInputs lookup{args.config_path, config::process_environment(), config::executable_directory()};
  auto path = config::find_config_file(lookup);
  if (!path) {
    if (args.config_path) return fail(path.error());
    return config::runtime_directory(config::process_environment()) + (control ? "/control.sock" : "/ingest.sock");
  }
  auto config = load_config_for(args);
  if (!config) return fail(config.error());
  return control ? config->ingest.control_socket : config->ingest.socket;
}

// The lines of `send`, as the daemon takes them: blank ones left out (it
// answers none), each wrapped with --actor when one is given.
class EventLines final : public LineSource {
 public:
  EventLines(LineSource& raw, std::string actor_json) : raw_(raw), actor_json_(std::move(actor_json)) {}
  std::optional<std::string> next() override {
    while (auto line = raw_.next()) {
      if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!actor_json_.empty()) return event::envelope_json(actor_json_, *line);
      return line;
    }
    return std::nullopt;
  }
  bool ended() const override { return raw_.ended(); }
  int fd() const override { return raw_.fd(); }
  void fill() override { raw_.fill(); }

 private:
  LineSource& raw_;
  std::string actor_json_;
};

}  // namespace

int run_daemon(const Args& args) {
  auto config = load_config_for(args);
  if (!config) return report(config.error());
  if (auto ok = preflight(*config); !ok) return report(ok.error());
  return daemon::run(std::move(*config));
}

int send(const Args& args) {
  std::string actor_json;
  if (args.actor_json) {
    auto actor = json::parse_untrusted(*args.actor_json, {64 * 1024, 32});
    if (!actor || !actor->IsObject()) return report(make_error(ErrorKind::usage, "--actor must be a JSON object, e.g. --actor '{\"username\":\"gw\"}'"));
    actor_json = json::to_string(*actor);
  }
  auto path = socket_path(args, false);
  if (!path) return report(path.error());
  auto client = UnixLineClient::connect(*path, "ingest");
  if (!client) return report(client.error());

  std::size_t line_number = 0;
  std::size_t refused = 0;
  std::vector<std::string> arguments = args.events;
  for (auto& event : arguments) {
    // One argument is one event: a line break in it is JSON whitespace (a
    // valid event has none inside its strings), never a second line.
    std::replace_if(event.begin(), event.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  }
  ArgumentLines from_arguments(std::move(arguments));
  DescriptorLines from_stdin(STDIN_FILENO);
  EventLines lines(args.events.empty() ? static_cast<LineSource&>(from_stdin) : from_arguments, actor_json);
  auto on_reply = [&](std::string_view reply) {
    ++line_number;
    auto doc = json::parse_untrusted(reply, {64 * 1024, 8});
    const auto* ok = doc ? json::find(*doc, "ok") : nullptr;
    if (ok != nullptr && ok->IsBool() && ok->GetBool()) return;
    ++refused;
    const char* why = doc ? json::find_string(*doc, "error") : nullptr;
    std::fprintf(stderr, "manufactory-agent: line %zu not accepted: %s\n", line_number,
                 why != nullptr ? why : std::string(reply).c_str());
  };
  auto done = client->exchange(lines, on_reply, args.reply_timeout.value_or(std::chrono::seconds(30)));
  if (!done) return report(done.error());
  if (refused > 0) {
    std::fprintf(stderr, "manufactory-agent: %zu of %zu lines were not accepted\n", refused, line_number);
    return 3;
  }
  return 0;
}

int status(const Args& args) {
  auto path = socket_path(args, true);
  if (!path) return report(path.error());
  auto answer = UnixLineClient::request(*path, "control", "status");
  if (!answer) return report(answer.error());
  if (args.json) {
    std::printf("%s\n", answer->c_str());
    return 0;
  }
  auto text = daemon::status_text(*answer);
  if (!text) return report(text.error());
  std::fputs(text->c_str(), stdout);
  return 0;
}

}  // namespace mf::cli
