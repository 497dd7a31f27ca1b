#include "agent/platforms/manufactory/schema/schema.hpp"

#include <algorithm>

#include "agent/common/json.hpp"
#include "agent/event/attributes.hpp"

namespace mf::manufactory {
namespace {

constexpr json::Limits kLimits{4 << 20, 16};

Unexpected bad(std::string_view what, const std::string& why) {
  return fail(ErrorKind::invalid_input, std::string(what) + ": " + why);
}

Expected<Schema> schema_from(const rapidjson::Value& doc, std::string_view what) {
  const auto* attributes = doc.IsObject() ? json::find(doc, "attributes") : nullptr;
  if (attributes == nullptr || !attributes->IsArray()) {
    return bad(what, "expected an object with \"attributes\": [{\"name\",\"display_name\",\"data_type\"}...]");
  }
  Schema s;
  for (const auto& a : attributes->GetArray()) {
    const char* name = a.IsObject() ? json::find_string(a, "name") : nullptr;
    const char* type = a.IsObject() ? json::find_string(a, "data_type") : nullptr;
    if (name == nullptr || type == nullptr) return bad(what, "every attribute needs a \"name\" and a \"data_type\" (strings)");
    if (!event::is_valid_attribute_name(name)) {
      return bad(what, "'" + std::string(name) + "' is not an attribute name (lower-case letters, digits and _)");
    }
    const auto data_type = parse_data_type(type);
    if (!data_type) {
      return bad(what, "attribute '" + std::string(name) + "' has data_type '" + type + "', which is none of " +
                           std::string(known_type_names()));
    }
    s.attributes.push_back({name, *data_type});
  }
  std::sort(s.attributes.begin(), s.attributes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  const auto twice = std::adjacent_find(s.attributes.begin(), s.attributes.end(),
                                        [](const auto& a, const auto& b) { return a.name == b.name; });
  if (twice != s.attributes.end()) return bad(what, "attribute '" + twice->name + "' is declared twice");
  if (const char* unique = json::find_string(doc, "unique_id")) s.unique_id = unique;
  if (!s.unique_id.empty() && s.find(s.unique_id) == nullptr) {
    // A schema created with display names may name its unique_id by one ("Email" for email).
    for (const auto& a : attributes->GetArray()) {
      const char* display = json::find_string(a, "display_name");
      if (display != nullptr && s.unique_id == display) s.unique_id = json::find_string(a, "name");
    }
  }
  if (!s.unique_id.empty() && s.find(s.unique_id) == nullptr) {
    // What the agent can use (the attributes and their types) is still good:
    // keep checking against it, and say what was left out.
    s.notes.push_back(std::string(what) + ": unique_id '" + s.unique_id + "' is not one of its attributes; it is left out");
    s.unique_id.clear();
  }
  return s;
}

void write_schema(rapidjson::Writer<rapidjson::StringBuffer>& w, const Schema& s) {
  w.StartObject();
  w.Key("attributes");
  w.StartArray();
  for (const auto& a : s.attributes) {
    w.StartObject();
    w.Key("name");
    w.String(a.name.c_str(), static_cast<rapidjson::SizeType>(a.name.size()));
    w.Key("data_type");
    const auto type = type_name(a.type);
    w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.EndObject();
  }
  w.EndArray();
  if (!s.unique_id.empty()) {
    w.Key("unique_id");
    w.String(s.unique_id.c_str(), static_cast<rapidjson::SizeType>(s.unique_id.size()));
  }
  w.EndObject();
}

}  // namespace

const SchemaAttribute* Schema::find(std::string_view name) const {
  auto it = std::lower_bound(attributes.begin(), attributes.end(), name,
                             [](const SchemaAttribute& a, std::string_view n) { return std::string_view(a.name) < n; });
  return it != attributes.end() && it->name == name ? &*it : nullptr;
}

Expected<Schema> parse_schema(std::string_view json_text, std::string_view what) {
  auto doc = json::parse_untrusted(json_text, kLimits);
  if (!doc) return bad(what, doc.error().message);
  return schema_from(*doc, what);
}

Expected<Schemas> parse_schemas(std::string_view json_text) {
  auto doc = json::parse_untrusted(json_text, kLimits);
  if (!doc) return fail(doc.error());
  if (!doc->IsObject() || json::find(*doc, "actors") == nullptr || json::find(*doc, "events") == nullptr) {
    return fail(ErrorKind::invalid_input,
                "expected {\"actors\": <GET /actors/schema answer>, \"events\": <GET /events/schema answer>}");
  }
  Schemas s;
  auto actors = schema_from(*json::find(*doc, "actors"), "actors schema");
  if (!actors) return fail(actors.error());
  auto events = schema_from(*json::find(*doc, "events"), "events schema");
  if (!events) return fail(events.error());
  s.actors = std::move(*actors);
  s.events = std::move(*events);
  return s;
}

std::string schemas_json(const Schemas& schemas, std::int64_t fetched_at_ms) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("actors");
  write_schema(w, schemas.actors);
  w.Key("events");
  write_schema(w, schemas.events);
  w.Key("fetched_at_ms");
  w.Int64(fetched_at_ms);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize()) + "\n";
}

std::optional<std::int64_t> fetched_at_ms(std::string_view kept_json) {
  auto doc = json::parse_untrusted(kept_json, kLimits);
  const auto* at = doc && doc->IsObject() ? json::find(*doc, "fetched_at_ms") : nullptr;
  if (at == nullptr || !at->IsInt64()) return std::nullopt;
  return at->GetInt64();
}

}  // namespace mf::manufactory
