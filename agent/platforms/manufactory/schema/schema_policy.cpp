#include "agent/platforms/manufactory/schema/schema_policy.hpp"

#include <algorithm>

namespace mf::manufactory {

Status SchemaPolicy::check(const Schema& schema, std::string_view kind, const std::vector<ingest::AttributeInfo>& attributes) const {
  const std::string_view whose = kind == "events" ? "event" : "actor";
  for (const auto& a : attributes) {
    const SchemaAttribute* declared = schema.find(a.name);
    if (declared == nullptr) {
      if (source_.allow_unknown()) continue;
      return fail(ErrorKind::invalid_input, std::string(whose) + " attribute '" + std::string(a.name) + "' is not in the " +
                                                std::string(kind) + " schema (" + source_.origin(kind) +
                                                "); add it there, or set schema.unknown: allow");
    }
    if (!value_fits(declared->type, a)) {
      return fail(ErrorKind::invalid_input, std::string(whose) + " attribute '" + std::string(a.name) + "' must be " +
                                                std::string(type_rule(declared->type)) + ", got " + ingest::describe_value(a) + " (" +
                                                source_.origin(kind) + ")");
    }
  }
  return {};
}

Status SchemaPolicy::admit(const std::vector<ingest::AttributeInfo>& attributes, std::vector<std::string_view>&) const {
  const Schemas* schemas = source_.current();
  return schemas == nullptr ? Status{} : check(schemas->events, "events", attributes);
}

Status SchemaPolicy::admit_actor(const std::vector<ingest::AttributeInfo>& attributes) const {
  const Schemas* schemas = source_.current();
  if (schemas == nullptr) return {};
  if (auto ok = check(schemas->actors, "actors", attributes); !ok) return ok;
  const std::string& unique = schemas->actors.unique_id;
  const bool named = unique.empty() || std::any_of(attributes.begin(), attributes.end(),
                                                   [&](const ingest::AttributeInfo& a) { return a.name == unique; });
  if (!named) {
    return fail(ErrorKind::invalid_input, "actor has no '" + unique + "', the attribute the actors schema names as its unique_id (" +
                                              source_.origin("actors") + ")");
  }
  return {};
}

}  // namespace mf::manufactory
