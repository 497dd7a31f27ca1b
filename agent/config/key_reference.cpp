#include "agent/config/key_reference.hpp"

#include <cstdio>

#include "agent/config/config_keys.hpp"

namespace mf::config {
namespace {

std::string platform_of(const KeyDecl& key) { return key.platform.empty() ? "all" : std::string(key.platform); }

// Backslashes and a leading dot or quote mean something to roff.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

}  // namespace

std::string key_reference(KeyFormat format, const KeyTable& table) {
  std::string out;
  if (format == KeyFormat::markdown) {
    out += "| key | platform | type | default | meaning |\n|---|---|---|---|---|\n";
  }
  for (const auto& key : table.keys()) {
    const std::string name(key.name), def = key.default_text.empty() ? "-" : std::string(key.default_text);
    switch (format) {
      case KeyFormat::text: {
        char line[128];
        std::snprintf(line, sizeof line, "%-32s %-9s %-34s ", name.c_str(), type_name(key.type), def.c_str());
        out += line;
        if (!key.platform.empty()) out += "[" + std::string(key.platform) + "] ";
        out += std::string(key.doc) + "\n";
        break;
      }
      case KeyFormat::markdown:
        out += "| `" + name + "` | " + platform_of(key) + " | " + type_name(key.type) + " | " +
               (key.default_text.empty() ? std::string("—") : "`" + def + "`") + " | " + markdown_cell(key.doc) + " |\n";
        break;
      case KeyFormat::man:
        out += ".TP\n.B " + roff(name) + "\n" + roff(std::string(type_name(key.type)) + ", default " + def +
                                                    (key.platform.empty() ? "" : ", platform " + std::string(key.platform))) +
               ".\n" + roff(key.doc) + "\n";
        break;
    }
  }
  return out;
}

}  // namespace mf::config
