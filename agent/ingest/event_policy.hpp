#pragma once
// What a platform asks of an event at the door, before anything is buffered:
// whether events have actors, and which attribute names it can deliver
// (OISP needs a component type for each, MobiusFlow a point).
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::ingest {

enum class Actors {
  required,  // an event names its actor, or the config's default actor applies (Manufactory)
  optional,  // an event may have none: it is then sent without one
  none,      // the platform has no actors: one given is not sent, all events share one queue
};

enum class ValueKind { null, boolean, number, string, object, array };

struct AttributeInfo {
  std::string_view name;
  ValueKind kind;
};

class EventPolicy {
 public:
  virtual ~EventPolicy() = default;
  virtual Actors actors() const { return Actors::required; }
  // The largest attributes object (compact JSON) the platform can carry.
  virtual std::size_t max_attributes_bytes() const { return SIZE_MAX; }
  // Called with the event's attributes (names and kinds of value), in
  // order. A refusal says which key to set. Names put in leave_out are
  // removed before the event is buffered.
  virtual Status admit(const std::vector<AttributeInfo>& attributes, std::vector<std::string_view>& leave_out) const {
    (void)attributes;
    (void)leave_out;
    return {};
  }
};

}  // namespace mf::ingest
