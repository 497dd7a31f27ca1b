#include "agent/platforms/mobiusflow/wire.hpp"

#include "agent/common/json.hpp"

namespace mf::mobiusflow {

std::map<std::string, std::string> encode_writes(std::string_view attributes_json, const Settings& settings,
                                                 const std::set<std::string>& written) {
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
  std::map<std::string, std::string> bodies;
  auto doc = json::parse_untrusted(attributes_json, {1 << 20, 8});
  if (!doc || !doc->IsObject()) return bodies;
  for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
    auto point = settings.resources.find(it->name.GetString());
    if (point == settings.resources.end()) continue;  // left out at ingest; a config changed since
    const std::string object = point->second.object();
    if (written.count(object) > 0) continue;
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    w.Key("r");
    w.String(point->second.rid.c_str(), static_cast<rapidjson::SizeType>(point->second.rid.size()));
    w.Key("p");
    w.Int(settings.priority);
    w.Key("v");
    it->value.Accept(w);
    w.EndObject();
    std::string& body = bodies[object];
    body += (body.empty() ? "[" : ",") + std::string(b.GetString(), b.GetSize());
  }
  for (auto& [object, body] : bodies) body += "]";
  return bodies;
}

}  // namespace mf::mobiusflow
