#include "agent/platforms/oisp/state.hpp"

#include "agent/common/json.hpp"
#include "agent/common/kept_file.hpp"

namespace mf::oisp {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void member(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string text_of(const rapidjson::Value& doc, const char* key) {
  const char* v = json::find_string(doc, key);
  return v != nullptr ? v : "";
}

}  // namespace

std::string state_path(const std::string& state_directory, const std::string& device_id) {
  std::string safe;
  for (char c : device_id) safe.push_back((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ? c : '_');
  return state_directory + "/oisp-" + safe + ".json";
}

Status save_state(const std::string& path, const DeviceState& s) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  member(w, "format", "manufactory-agent oisp device 1");
  member(w, "device_id", s.device_id);
  member(w, "account_id", s.account_id);
  member(w, "device_token", s.device_token.reveal());
  member(w, "refresh_token", s.refresh_token.reveal());
  w.Key("components");
  w.StartObject();
  for (const auto& [name, cid] : s.components) member(w, name.c_str(), cid);
  w.EndObject();
  w.EndObject();
  return write_kept_file(path, std::string_view(b.GetString(), b.GetSize()));
}

Expected<DeviceState> load_state(const std::string& path) {
  auto text = read_kept_file(path);
  if (!text) return fail(text.error());
  DeviceState s;
  if (!*text) return s;
  auto doc = json::parse_untrusted(**text, {1 << 20, 8});
  if (!doc || !doc->IsObject() || text_of(*doc, "format") != "manufactory-agent oisp device 1") {
    return fail(ErrorKind::config, "'" + path + "' is not the agent's OISP device file; move it away to onboard the device "
                                                "again");
  }
  s.device_id = text_of(*doc, "device_id");
  s.account_id = text_of(*doc, "account_id");
  s.device_token = Secret(text_of(*doc, "device_token"));
  s.refresh_token = Secret(text_of(*doc, "refresh_token"));
  if (const auto* components = json::find(*doc, "components"); components != nullptr && components->IsObject()) {
    for (auto it = components->MemberBegin(); it != components->MemberEnd(); ++it) {
      if (it->value.IsString()) s.components[it->name.GetString()] = it->value.GetString();
    }
  }
  return s;
}

}  // namespace mf::oisp
