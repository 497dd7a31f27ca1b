#pragma once
// The schema: section (Manufactory): where the project's schemas come from,
// and what happens to an attribute they do not declare.
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"

namespace mf::manufactory {

struct SchemaSettings {
  std::string file;                 // schema.file: both schemas, as the collector answers them
  Secret access_token;              // for GET /actors/schema and /events/schema; empty: no pulls
  std::string access_token_file;
  std::string access_token_source;  // for check-config: where the token came from
  Duration refresh{3'600'000};
  bool allow_unknown = false;       // schema.unknown: allow

  bool from_file() const { return !file.empty(); }
  bool pulled() const { return file.empty() && !access_token.empty(); }
  bool configured() const { return from_file() || pulled(); }
};

}  // namespace mf::manufactory
