#pragma once
// An event as the Engine API's writes, apart from any connection.
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "agent/platforms/mobiusflow/settings.hpp"

namespace mf::mobiusflow {

// Object -> the body of PATCH /api/v1/mobius/object/resource/{object}:
// [{"r":<rid>,"p":<priority>,"v":<value>},...] in the attributes' order, each
// value keeping its JSON type. Attributes without a point and objects in
// `written` (by an earlier try) are left out; not a JSON object: none.
std::map<std::string, std::string> encode_writes(std::string_view attributes_json, const Settings& settings,
                                                 const std::set<std::string>& written);

}  // namespace mf::mobiusflow
