#pragma once
// Every configuration key, declared once: name, type, default, description,
// the platform it belongs to and how its text becomes a typed field. The
// loader validates from this table and `check-config --keys` documents from
// it. Each platform declares its own section in its folder
// (agent/platforms/<name>/keys.cpp); this file holds the shared keys and the
// table that joins them.
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"

namespace mf::config {

enum class KeyType { string, integer, duration, size, choice, url, path, secret, attributes, string_map, actor_map };

struct KeyDecl {
  std::string_view name;          // dotted: "collector.url"
  KeyType type;
  std::string_view default_text;  // parsed like user text; empty: no default
  std::string_view doc;
  Status (*apply)(std::string_view text, Config& config);
  std::string_view platform = {};  // empty: every platform; else the only one that takes it (set by KeyTable)
  // KeyType::string_map: one entry (attribute -> value), checked where it stands.
  // KeyType::actor_map: one entry (name -> actor template as compact JSON; empty for `default`).
  Status (*apply_entry)(std::string_view name, std::string_view value, Config& config) = nullptr;
};

struct PlatformDecl;

// The keys every platform shares, then each platform's own, marked with its
// name: what the loader validates against and `check-config --keys` lists.
class KeyTable {
 public:
  explicit KeyTable(std::vector<const PlatformDecl*> platforms);

  const std::vector<KeyDecl>& keys() const { return keys_; }
  const KeyDecl* find_key(std::string_view name) const;
  bool is_section(std::string_view name) const;
  // The platform the keys of this section belong to; empty when shared.
  std::string_view section_platform(std::string_view section) const;

  const std::vector<const PlatformDecl*>& platforms() const { return platforms_; }
  const PlatformDecl* find_platform(std::string_view name) const;
  // "a, b or c", for messages.
  std::string platform_names() const;

 private:
  std::vector<const PlatformDecl*> platforms_;
  std::vector<KeyDecl> keys_;
};

const char* type_name(KeyType type);

// Helpers for the key tables.
Status set_duration(std::string_view text, Duration& field);
Status set_size(std::string_view text, std::uint64_t& field);
Status set_url(std::string_view text, net::Url& field);
Status set_positive(std::string_view text, std::int64_t& field, std::string_view what);
Status set_count(std::string_view text, std::uint64_t& field, std::int64_t max = 1'000'000'000);
Status set_text(std::string_view text, std::string& field, std::string_view what);
Status set_path(std::string_view text, std::string& field);
Status set_bool(std::string_view text, bool& field, std::string_view key);
// HOST:PORT of a server of ours; empty text leaves it off.
Status set_listen(std::string_view text, bool& enabled, net::ListenAddress& address);

}  // namespace mf::config
