#pragma once
// Every configuration key, declared once: name, type, default, description and
// how its text becomes a typed field. The loader validates from this table and
// `check-config --keys` documents from it.
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"

namespace mf::config {

enum class KeyType { string, integer, duration, size, choice, url, path, secret, attributes };

struct KeyDecl {
  std::string_view name;          // dotted: "collector.url"
  KeyType type;
  std::string_view default_text;  // parsed like user text; empty: no default
  std::string_view doc;
  Status (*apply)(std::string_view text, Config& config);
};

const std::vector<KeyDecl>& declared_keys();
const KeyDecl* find_key(std::string_view name);
bool is_section(std::string_view name);
const char* type_name(KeyType type);

}  // namespace mf::config
