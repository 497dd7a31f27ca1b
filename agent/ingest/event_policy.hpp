#pragma once
// What a platform asks of an event at the door, before anything is buffered:
// whether events have actors, and which attribute names it can deliver
// (OISP needs a component type for each, MobiusFlow a point).
#include <cstdint>
#include <string>
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

// An attribute as a policy sees it: its name, and as much of its value as a
// check needs (the views are valid during the call).
struct AttributeInfo {
  std::string_view name;
  ValueKind kind = ValueKind::null;
  std::string_view text;     // string: its contents
  bool boolean = false;      // boolean: its value
  bool is_int32 = false;     // number: an integer literal from -2147483648 to 2147483647
  bool is_int64 = false;     // number: an integer literal that fits 64 bits
  std::int64_t integer = 0;  // when is_int64
  double number = 0;         // number: its value
};

// The value for a refusal: "hot" (quoted, shortened), 42, true, null, an object, an array.
std::string describe_value(const AttributeInfo& attribute);

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
  // The attributes of the event's actor (its envelope's, or the config's default actor).
  virtual Status admit_actor(const std::vector<AttributeInfo>& attributes) const {
    (void)attributes;
    return {};
  }
};

}  // namespace mf::ingest
