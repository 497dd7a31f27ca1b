#include "agent/event/envelope.hpp"

#include "agent/common/rapidjson.hpp"

namespace mf::event {

std::string envelope_json(std::string_view actor_json, std::string_view attributes_json, std::string_view reason) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("actor");
  w.RawValue(actor_json.data(), actor_json.size(), rapidjson::kObjectType);
  w.Key("attributes");
  w.RawValue(attributes_json.data(), attributes_json.size(), rapidjson::kObjectType);
  if (!reason.empty()) {
    w.Key("reason");
    w.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  }
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace mf::event
