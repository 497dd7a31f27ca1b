#include "agent/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "agent/common/rapidjson.hpp"
#include "agent/common/units.hpp"
#include "agent/config/checker.hpp"
#include "agent/config/config_keys.hpp"
#include "agent/config/default_paths.hpp"
#include "agent/config/env_expand.hpp"
#include "agent/config/file_access.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/config/suggest.hpp"
#include "agent/config/input_keys.hpp"
#include "agent/event/attributes.hpp"

namespace mf::config {
namespace {

constexpr int kMaxActorDepth = 16;

// yaml-cpp marks are 0-based; people count from 1.
std::string where(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file;
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

const char* describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "empty";
    default: return is_quoted(node) ? "a quoted string" : "a scalar";
  }
}

// YAML scalar -> JSON value, guessing the type the way YAML 1.2's core schema does;
// quoted scalars always stay strings.
void write_scalar(const YAML::Node& node, rapidjson::Writer<rapidjson::StringBuffer>& out) {
  const std::string& s = node.Scalar();
  if (is_quoted(node)) {
    out.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
    return;
  }
  if (s == "null" || s == "~" || s.empty()) return static_cast<void>(out.Null());
  if (s == "true" || s == "True") return static_cast<void>(out.Bool(true));
  if (s == "false" || s == "False") return static_cast<void>(out.Bool(false));
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && end == s.data() + s.size()) {
    return static_cast<void>(out.Int64(i));
  }
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  const bool numeric = end == s.c_str() + s.size() && s.find_first_of("nNiI") == std::string::npos;
  if (numeric) return static_cast<void>(out.Double(d));
  out.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

bool write_json(const YAML::Node& node, rapidjson::Writer<rapidjson::StringBuffer>& out, int depth) {
  if (depth > kMaxActorDepth) return false;
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out.StartObject();
      for (const auto& kv : node) {
        const std::string& key = kv.first.Scalar();
        out.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
        if (!write_json(kv.second, out, depth + 1)) return false;
      }
      out.EndObject();
      return true;
    case YAML::NodeType::Sequence:
      out.StartArray();
      for (const auto& item : node) {
        if (!write_json(item, out, depth + 1)) return false;
      }
      out.EndArray();
      return true;
    case YAML::NodeType::Scalar: write_scalar(node, out); return true;
    default: out.Null(); return true;
  }
}

class Loader final : public Checker {
 public:
  Loader(std::string file, const EnvLookup& env, const PlatformList& platforms)
      : file_(std::move(file)), env_(env), table_(platforms) {}

  Expected<Loaded> load(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      return fail(ErrorKind::config, where(file_, e.mark) + ": YAML syntax error: " + e.msg +
                                         "; fix the indentation or quoting on that line");
    }
    loaded_.config.source_path = file_;
    if (!root.IsMap()) {
      const std::string what = root.IsNull() ? "is empty" : std::string("holds ") + describe(root);
      return fail(ErrorKind::config, file_ + ":1:1: the file " + what +
                                         "; it must be a mapping with at least `platform:` and that platform's keys "
                                         "(see `manufactory-agent check-config --keys`)");
    }
    choose_platform(root);
    apply_defaults();
    walk_mapping(root, "");
    validate_together();
    if (!errors_.empty()) return fail(ErrorKind::config, joined_errors());
    return std::move(loaded_);
  }

 private:
  // The platform decides which keys are allowed, so it is read before the rest.
  void choose_platform(const YAML::Node& root) {
    const PlatformDecl* fallback = table_.find_platform(table_.find_key("platform")->default_text);
    const PlatformDecl* chosen = fallback != nullptr ? fallback : table_.platforms().front();
    const YAML::Node node = root["platform"];
    if (node.IsDefined() && node.IsScalar()) {
      if (const PlatformDecl* named = table_.find_platform(node.Scalar())) {
        chosen = named;
      } else {
        error_at(node.Mark(), "platform must be " + table_.platform_names() + ", not '" + node.Scalar() + "'");
      }
    }
    loaded_.config.platform = chosen;
    loaded_.config.platform_settings = PlatformSettingsSlot(chosen->make_settings());
  }

  std::string_view platform_name() const { return loaded_.config.platform_name(); }

  // A key (or section) of another platform: refused, naming both.
  bool belongs_elsewhere(std::string_view owner, const std::string& name, const YAML::Mark& mark) {
    if (owner.empty() || owner == platform_name()) return false;
    error_at(mark, "'" + name + "' belongs to platform " + std::string(owner) + ", and this file is for platform " +
                       std::string(platform_name()) + "; remove it, or set `platform: " + std::string(owner) + "`");
    return true;
  }

  // The shared keys' and the chosen platform's: another platform's keys are refused.
  void apply_defaults() {
    for (const auto& key : table_.keys()) {
      if (key.default_text.empty() || !(key.platform.empty() || key.platform == platform_name())) continue;
      auto ok = key.apply(key.default_text, loaded_.config);
      (void)ok;  // defaults are valid by construction; the unit tests check each
    }
  }

  void error_at(const YAML::Mark& mark, const std::string& message) { errors_.push_back(where(file_, mark) + ": " + message); }

  void walk_mapping(const YAML::Node& map, const std::string& section) {
    std::map<std::string, YAML::Mark> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        error_at(kv.first.Mark(), "a key must be a plain name, not " + std::string(describe(kv.first)));
        continue;
      }
      const std::string name = section.empty() ? kv.first.Scalar() : section + "." + kv.first.Scalar();
      if (auto [it, inserted] = seen.emplace(name, kv.first.Mark()); !inserted) {
        error_at(kv.first.Mark(), "'" + name + "' is set twice (first at line " + std::to_string(it->second.line + 1) +
                                      "); keep one");
        continue;
      }
      marks_[name] = kv.first.Mark();
      visit(name, kv.first, kv.second);
    }
  }

  void visit(const std::string& name, const YAML::Node& key_node, const YAML::Node& value) {
    if (table_.is_section(name)) {
      if (belongs_elsewhere(table_.section_platform(name), name, key_node.Mark())) return;
      if (value.IsNull()) return;
      if (!value.IsMap()) {
        error_at(value.Mark(), "'" + name + "' must be a mapping of keys, not " + describe(value));
        return;
      }
      walk_mapping(value, name);
      return;
    }
    const KeyDecl* key = table_.find_key(name);
    if (key == nullptr) {
      error_at(key_node.Mark(), unknown_key_message(name));
      return;
    }
    if (belongs_elsewhere(key->platform, name, key_node.Mark())) return;
    if (key->type == KeyType::attributes) return visit_attributes(*key, value);
    if (key->type == KeyType::string_map) return visit_string_map(*key, value);
    if (key->type == KeyType::actor_map) return visit_actor_map(*key, value);
    if (!value.IsScalar()) {
      error_at(value.Mark(), "'" + name + "' must be a single " + type_name(key->type) + " value, not " + describe(value));
      return;
    }
    if (key->type == KeyType::integer && is_quoted(value)) {
      error_at(value.Mark(), "'" + name + "' must be a number, not a quoted string; remove the quotes");
      return;
    }
    auto text = expand_env(value.Scalar(), env_);
    if (!text) return error_at(value.Mark(), "'" + name + "': " + text.error().message);
    values_[name] = *text;
    if (auto ok = key->apply(*text, loaded_.config); !ok) error_at(value.Mark(), ok.error().message);
  }

  // name -> text, each entry checked where it stands.
  void visit_string_map(const KeyDecl& key, const YAML::Node& value) {
    if (value.IsNull()) return;
    if (!value.IsMap()) {
      error_at(value.Mark(), "'" + std::string(key.name) + "' must be a mapping of attribute names to values, not " +
                                 describe(value));
      return;
    }
    std::map<std::string, YAML::Mark> seen;
    for (const auto& kv : value) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        error_at(kv.first.Mark(), "each entry of '" + std::string(key.name) + "' must be `name: value`");
        continue;
      }
      const std::string& entry = kv.first.Scalar();
      if (auto [it, inserted] = seen.emplace(entry, kv.first.Mark()); !inserted) {
        error_at(kv.first.Mark(), "'" + std::string(key.name) + "." + entry + "' is set twice (first at line " +
                                      std::to_string(it->second.line + 1) + "); keep one");
        continue;
      }
      auto text = expand_env(kv.second.Scalar(), env_);
      if (!text) {
        error_at(kv.second.Mark(), "'" + std::string(key.name) + "." + entry + "': " + text.error().message);
        continue;
      }
      if (auto ok = key.apply_entry(entry, *text, loaded_.config); !ok) error_at(kv.second.Mark(), ok.error().message);
    }
  }

  // name -> an actor (a mapping of attributes, "{N}" allowed in values) or `default`.
  void visit_actor_map(const KeyDecl& key, const YAML::Node& value) {
    if (value.IsNull()) return;
    const std::string name(key.name);
    if (!value.IsMap()) {
      error_at(value.Mark(), "'" + name + "' must be a mapping of names to actors, as in "
                                          "`\"devices/+/telemetry\": {username: \"{1}\"}`, not " + describe(value));
      return;
    }
    std::map<std::string, YAML::Mark> seen;
    for (const auto& kv : value) {
      if (!kv.first.IsScalar()) {
        error_at(kv.first.Mark(), "each entry of '" + name + "' is `name: {actor}` or `name: default`");
        continue;
      }
      const std::string& entry = kv.first.Scalar();
      if (auto [it, inserted] = seen.emplace(entry, kv.first.Mark()); !inserted) {
        error_at(kv.first.Mark(), "'" + name + "' names '" + entry + "' twice (first at line " +
                                      std::to_string(it->second.line + 1) + "); keep one");
        continue;
      }
      std::string actor_json;
      if (kv.second.IsMap()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        if (!write_json(kv.second, writer, 0)) {
          error_at(kv.second.Mark(), "'" + name + "." + entry + "' is nested too deeply");
          continue;
        }
        auto normalized = event::normalize_attributes({buffer.GetString(), buffer.GetSize()}, "actor", event::Limits{});
        if (!normalized) {
          error_at(kv.second.Mark(), "'" + name + "." + entry + "': " + normalized.error().message);
          continue;
        }
        actor_json = std::move(*normalized);
      } else if (!(kv.second.IsNull() || (kv.second.IsScalar() && kv.second.Scalar() == "default"))) {
        error_at(kv.second.Mark(), "'" + name + "." + entry + "' must be an actor (a mapping such as "
                                   "{username: \"{1}\"}) or `default` (the config's actor), not " + describe(kv.second));
        continue;
      }
      if (auto ok = key.apply_entry(entry, actor_json, loaded_.config); !ok) error_at(kv.first.Mark(), ok.error().message);
    }
  }

  void visit_attributes(const KeyDecl& key, const YAML::Node& value) {
    if (!value.IsMap()) {
      error_at(value.Mark(), "'" + std::string(key.name) + "' must be a mapping of attribute names to values, e.g. "
                                                           "'username: gateway_01', not " + describe(value));
      return;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    if (!write_json(value, writer, 0)) {
      error_at(value.Mark(), "'" + std::string(key.name) + "' is nested too deeply");
      return;
    }
    auto normalized = event::normalize_attributes({buffer.GetString(), buffer.GetSize()}, key.name, event::Limits{});
    if (!normalized) return error_at(value.Mark(), normalized.error().message);
    (void)key.apply(*normalized, loaded_.config);
  }

  std::string unknown_key_message(const std::string& name) {
    std::vector<std::string> candidates;
    for (const auto& key : table_.keys()) {
      candidates.emplace_back(key.name);
      if (const auto dot = key.name.find('.'); dot != std::string_view::npos) candidates.emplace_back(key.name.substr(0, dot));
    }
    const std::string suggestion = closest_match(name, candidates);
    std::string message = "unknown key '" + name + "'";
    if (!suggestion.empty()) return message + "; did you mean '" + suggestion + "'?";
    return message + "; see `manufactory-agent check-config --keys` for the valid keys";
  }

  YAML::Mark mark_of(const std::string& name) const {
    auto it = marks_.find(name);
    return it == marks_.end() ? YAML::Mark::null_mark() : it->second;
  }

  // ---- Checker, for the platforms' checks
  Config& config() override { return loaded_.config; }
  bool has(std::string_view key) const override { return marks_.count(std::string(key)) > 0; }
  std::string value(std::string_view key) const override {
    auto it = values_.find(std::string(key));
    return it == values_.end() ? std::string() : it->second;
  }
  void error(std::string_view key, const std::string& message) override { error_at(mark_of(std::string(key)), message); }
  void warn(const std::string& message) override { loaded_.warnings.push_back(message); }
  void require(std::string_view key, std::string_view example) override {
    if (!has(key)) {
      errors_.push_back(file_ + ": '" + std::string(key) + "' is missing; add e.g. `" + std::string(example) + "`");
    }
  }
  bool has_env(std::string_view name) const override {
    auto v = env_(name);
    return v && !v->empty();
  }
  void check_readable(std::string_view key, const std::string& path) override {
    if (auto text = read_text_file(path, key); !text) error(key, text.error().message);
  }

  bool resolve_secret(std::string_view what, std::string_view inline_key, std::string_view file_key,
                      std::string_view env_name, Secret& out, std::string& source) override {
    const bool in_file = has(inline_key);
    const bool from_file = has(file_key);
    if (in_file && from_file) {
      error(file_key, "set either " + std::string(inline_key) + " or " + std::string(file_key) + ", not both");
      return false;
    }
    if (in_file) {
      const std::string text = value(inline_key);
      if (text.empty()) {
        error(inline_key, std::string(inline_key) + " is empty");
        return false;
      }
      out = Secret(text);
      source = "config file";
      warn_if_exposed(file_, "config file", what);
      return true;
    }
    if (from_file) {
      const std::string path = value(file_key);
      auto text = read_text_file(path, file_key);
      if (!text) {
        error(file_key, text.error().message);
        return false;
      }
      std::string secret = *text;
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
      if (secret.empty()) {
        error(file_key, std::string(file_key) + " '" + path + "' is empty");
        return false;
      }
      out = Secret(std::move(secret));
      source = std::string(file_key) + " " + path;
      warn_if_exposed(path, file_key, what);
      return true;
    }
    if (auto env = env_(env_name); env && !env->empty()) {
      out = Secret(*env);
      source = std::string(env_name);
      return true;
    }
    errors_.push_back(file_ + ": no " + std::string(what) + ": add `" + std::string(inline_key) + ": \"...\"`, or `" +
                      std::string(file_key) + ": /path/to/file`, or set the environment variable " + std::string(env_name));
    return false;
  }

  void validate_together() {
    auto& c = loaded_.config;
    choose_state_directory();
    choose_socket_paths();
    c.platform->check(*this);
    check_inputs(*this);
    check_url("collector.url", c.collector.url, false);
    if (c.platform->streams()) check_url("collector.ws_url", c.collector.ws_url, true);
    if (!c.collector.ca_file.empty()) check_readable("collector.ca_file", c.collector.ca_file);
    if (c.collector.connect_timeout.count() == 0 || c.collector.request_timeout.count() == 0) {
      errors_.push_back(file_ + ": collector time-outs must be longer than 0");
    }
    if (c.buffer.max_bytes < 64 * 1024) {
      error_at(mark_of("buffer.max_bytes"), "buffer.max_bytes must be at least 64KiB (one event of the largest size)");
    }
    if (!c.buffer.path.empty()) check_absolute("buffer.path", c.buffer.path);
    check_absolute("state_directory", c.state_directory);
    if (c.buffer.sync_interval.count() == 0) {
      error_at(mark_of("buffer.sync_interval"), "buffer.sync_interval must be longer than 0; for an fsync per event, "
                                                "set buffer.sync: always");
    }
    if (!c.buffer.path.empty() && c.ingest.max_event_bytes > (16U << 20)) {
      error_at(mark_of("ingest.max_event_bytes"), "with buffer.path set, ingest.max_event_bytes can be at most 16MiB");
    }
    check_absolute("ingest.socket", c.ingest.socket);
    check_absolute("ingest.control_socket", c.ingest.control_socket);
    if (c.ingest.socket == c.ingest.control_socket) {
      error_at(mark_of("ingest.control_socket"), "ingest.control_socket must differ from ingest.socket");
    }
    if (c.ingest.max_event_bytes < 256 || c.ingest.max_event_bytes > c.buffer.max_bytes) {
      error_at(mark_of("ingest.max_event_bytes"), "ingest.max_event_bytes must be from 256B to buffer.max_bytes");
    }
    if (c.uplink.backoff_base.count() == 0 || c.uplink.backoff_cap < c.uplink.backoff_base) {
      error_at(mark_of("uplink.backoff_cap"), "uplink.backoff_base must be above 0 and no longer than uplink.backoff_cap");
    }
    choose_proxy();
    // The packaged unit gives a stop TimeoutStopSec=20s; closing takes up to 2 s more.
    if (c.shutdown_grace > std::chrono::seconds(18)) {
      loaded_.warnings.push_back(file_ + ": shutdown_grace " + format_duration(c.shutdown_grace) +
                                 " is longer than the packaged unit waits at a stop (TimeoutStopSec=20s, less 2s to close): "
                                 "systemd would kill the agent while it drains; lower shutdown_grace, or raise TimeoutStopSec "
                                 "in a drop-in (systemctl edit manufactory-agent)");
    }
    if (c.metrics.enabled && !c.metrics.allow_remote && !net::is_loopback_host(c.metrics.listen.host)) {
      error_at(mark_of("metrics.listen"), "metrics.listen " + c.metrics.listen.to_string() +
                                              " is reachable from other hosts; use a loopback address such as 127.0.0.1:" +
                                              std::to_string(c.metrics.listen.port) + ", or set metrics.allow_remote: true");
    }
  }

  // collector.proxy, else the variables curl reads, lower case first (as curl).
  void choose_proxy() {
    auto& c = loaded_.config.collector;
    std::string text;
    if (c.proxy_text) {
      text = *c.proxy_text;
      c.proxy_source = "collector.proxy";
    } else if (auto found = first_env({"https_proxy", "HTTPS_PROXY"})) {
      std::tie(c.proxy_source, text) = *found;
    }
    if (text.empty()) return;
    auto proxy = net::parse_proxy_url(text);
    if (!proxy) {
      if (c.proxy_text) return error_at(mark_of("collector.proxy"), proxy.error().message);
      return (void)errors_.push_back(file_ + ": the environment variable " + c.proxy_source + ": " + proxy.error().message);
    }
    c.proxy = std::move(*proxy);
    if (c.no_proxy_text) c.proxy->no_proxy = *c.no_proxy_text;
    else if (auto found = first_env({"no_proxy", "NO_PROXY"})) c.proxy->no_proxy = found->second;
  }

  // The first of these variables the environment sets (to anything but empty): its name and value.
  std::optional<std::pair<std::string, std::string>> first_env(std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      if (auto value = env_(name); value && !value->empty()) return std::make_pair(std::string(name), *value);
    }
    return std::nullopt;
  }

  // Under systemd, StateDirectory= hands us the path unless the file names
  // one; else the system's directory, or the user's when it cannot be had.
  void choose_state_directory() {
    if (has("state_directory")) return;
    if (auto dir = env_("STATE_DIRECTORY"); dir && !dir->empty()) {
      loaded_.config.state_directory = dir->substr(0, dir->find(':'));
      return;
    }
    loaded_.config.state_directory = state_directory(env_);
  }

  // The sockets the file does not place go where this user can have them.
  void choose_socket_paths() {
    auto& in = loaded_.config.ingest;
    if (has("ingest.socket") && has("ingest.control_socket")) return;
    const std::string dir = runtime_directory(env_);
    if (!has("ingest.socket")) in.socket = dir + "/ingest.sock";
    if (!has("ingest.control_socket")) in.control_socket = dir + "/control.sock";
  }

  void check_absolute(const std::string& name, const std::string& path) {
    if (path.empty() || path.front() != '/') error_at(mark_of(name), name + " must be an absolute path");
  }

  void check_url(const std::string& name, const net::Url& url, bool websocket) {
    const char* secure = websocket ? "wss" : "https";
    const char* plain = websocket ? "ws" : "http";
    if (url.is_websocket() != websocket) {
      error_at(mark_of(name), name + " must start with " + secure + "://");
    } else if (!url.secure() && !net::is_loopback_host(url.host)) {
      error_at(mark_of(name), name + " uses plain " + plain + " to '" + url.host + "'; unencrypted connections are allowed "
                              "only to loopback hosts: use " + secure + "://");
    }
  }

  void warn_if_exposed(const std::string& path, std::string_view what, std::string_view secret) {
    if (auto w = secret_file_exposure(path, what, secret); !w.empty()) loaded_.warnings.push_back(std::move(w));
  }

  std::string joined_errors() const {
    std::string out;
    for (const auto& e : errors_) out += (out.empty() ? "" : "\n") + e;
    return out;
  }

  std::string file_;
  const EnvLookup& env_;
  KeyTable table_;
  Loaded loaded_;
  std::map<std::string, YAML::Mark> marks_;
  std::map<std::string, std::string> values_;  // scalars as written, for the platforms' checks
  std::vector<std::string> errors_;
};

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Expected<Loaded> load_text(std::string_view yaml, const std::string& name, const EnvLookup& env,
                           const PlatformList& platforms) {
  return Loader(name, env, platforms).load(yaml);
}

Expected<Loaded> load_file(const std::string& path, const EnvLookup& env, const PlatformList& platforms) {
  auto text = read_text_file(path, "config file");
  if (!text) return fail(text.error());
  return Loader(path, env, platforms).load(*text);
}

}  // namespace mf::config
