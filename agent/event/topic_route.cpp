#include "agent/event/topic_route.hpp"

#include <cstdio>

namespace mf::event {
namespace {

std::vector<std::string_view> levels(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    out.push_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// Calls on_field(number, begin, end) for each "{N}" (N from 1 to 99) in text.
template <class F>
void each_placeholder(std::string_view text, F on_field) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    std::size_t j = i + 1;
    std::size_t n = 0;
    while (j < text.size() && j - i <= 2 && text[j] >= '0' && text[j] <= '9') n = n * 10 + static_cast<std::size_t>(text[j++] - '0');
    if (j > i + 1 && j < text.size() && text[j] == '}') on_field(n, i, j + 1);
  }
}

void append_json_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += hex;
    } else {
      out += c;
    }
  }
}

}  // namespace

Status check_topic_filter(std::string_view filter) {
  if (filter.empty()) return fail(ErrorKind::config, "a topic filter is empty");
  const auto parts = levels(filter);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto level = parts[i];
    const bool has_plus = level.find('+') != std::string_view::npos;
    const bool has_hash = level.find('#') != std::string_view::npos;
    if ((has_plus && level != "+") || (has_hash && level != "#")) {
      return fail(ErrorKind::config, "topic filter '" + std::string(filter) +
                                         "': '+' and '#' must stand alone between slashes, as in devices/+/telemetry");
    }
    if (level == "#" && i + 1 != parts.size()) {
      return fail(ErrorKind::config, "topic filter '" + std::string(filter) + "': '#' may only be the last level");
    }
  }
  return {};
}

std::size_t wildcard_count(std::string_view filter) {
  std::size_t n = 0;
  for (const auto level : levels(filter)) n += (level == "+" || level == "#") ? 1 : 0;
  return n;
}

std::optional<std::vector<std::string>> match_topic(std::string_view filter, std::string_view topic) {
  const auto want = levels(filter);
  const auto have = levels(topic);
  // A filter starting with a wildcard does not match topics starting with '$' (MQTT 4.7.2).
  if (!topic.empty() && topic.front() == '$' && !want.empty() && (want[0] == "+" || want[0] == "#")) return std::nullopt;
  std::vector<std::string> captures;
  std::size_t offset = 0;  // where level i starts in topic
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "#") {
      captures.emplace_back(i < have.size() ? topic.substr(offset) : std::string_view());
      return captures;
    }
    if (i >= have.size()) return std::nullopt;
    if (want[i] == "+") captures.emplace_back(have[i]);
    else if (want[i] != have[i]) return std::nullopt;
    offset += have[i].size() + 1;
  }
  if (want.size() != have.size()) return std::nullopt;
  return captures;
}

Status check_actor_template(std::string_view template_json, std::size_t wildcards) {
  Status result;
  each_placeholder(template_json, [&](std::size_t n, std::size_t, std::size_t) {
    if (result && (n == 0 || n > wildcards)) {
      result = fail(ErrorKind::config, "the actor names {" + std::to_string(n) + "}, but the topic filter has " +
                                           std::to_string(wildcards) + " wildcard" + (wildcards == 1 ? "" : "s") +
                                           " ('+' or '#'); {1} is the first");
    }
  });
  return result;
}

Expected<std::string> expand_actor(std::string_view template_json, const std::vector<std::string>& captures) {
  std::string out;
  out.reserve(template_json.size() + 32);
  std::size_t copied = 0;
  Status problem;
  each_placeholder(template_json, [&](std::size_t n, std::size_t begin, std::size_t end) {
    if (!problem) return;
    if (n == 0 || n > captures.size() || captures[n - 1].empty()) {
      problem = fail(ErrorKind::invalid_input, "the topic level that names the actor ({" + std::to_string(n) + "}) is empty");
      return;
    }
    out.append(template_json.substr(copied, begin - copied));
    append_json_escaped(out, captures[n - 1]);
    copied = end;
  });
  if (!problem) return fail(problem.error());
  out.append(template_json.substr(copied));
  return out;
}

}  // namespace mf::event
