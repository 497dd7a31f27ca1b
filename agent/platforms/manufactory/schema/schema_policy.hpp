#pragma once
// Manufactory's door: events need an actor, and with a schema every
// attribute of the event and of its actor must be declared and of its type,
// the actor's unique_id present. A refusal names the attribute, the type, the
// value and where the schema came from.
#include "agent/ingest/event_policy.hpp"
#include "agent/platforms/manufactory/schema/schema_source.hpp"

namespace mf::manufactory {

class SchemaPolicy final : public ingest::EventPolicy {
 public:
  explicit SchemaPolicy(const SchemaSource& source) : source_(source) {}

  Status admit(const std::vector<ingest::AttributeInfo>& attributes, std::vector<std::string_view>& leave_out) const override;
  Status admit_actor(const std::vector<ingest::AttributeInfo>& attributes) const override;

 private:
  Status check(const Schema& schema, std::string_view kind, const std::vector<ingest::AttributeInfo>& attributes) const;

  const SchemaSource& source_;
};

}  // namespace mf::manufactory
