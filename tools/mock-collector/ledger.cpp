#include "tools/mock-collector/ledger.hpp"

#include "agent/common/json.hpp"

namespace mock {

std::int64_t Ledger::actor_id(const std::string& actor_json) {
  auto [it, inserted] = ids_.emplace(actor_json, static_cast<std::int64_t>(ids_.size() + 1));
  if (inserted) actors_[it->second].json = actor_json;
  return it->second;
}

void Ledger::record(std::int64_t actor, std::optional<std::int64_t> seq) {
  auto& a = actors_[actor];
  ++a.events;
  if (!seq) return;
  if (!a.seen.insert(*seq).second) {
    ++a.duplicates;
  } else if (*seq < a.max_seq) {
    ++a.out_of_order;
  }
  if (*seq > a.max_seq) a.max_seq = *seq;
}

void Ledger::write(rapidjson::Writer<rapidjson::StringBuffer>& w) const {
  w.Key("actors");
  w.StartObject();
  for (const auto& [id, a] : actors_) {
    const std::string key = std::to_string(id);
    w.Key(key.c_str());
    w.StartObject();
    w.Key("actor_profile");
    w.RawValue(a.json.c_str(), a.json.size(), rapidjson::kObjectType);
    w.Key("events");
    w.Uint64(a.events);
    w.Key("unique");
    w.Uint64(a.seen.size());
    w.Key("duplicates");
    w.Uint64(a.duplicates);
    w.Key("out_of_order");
    w.Uint64(a.out_of_order);
    w.Key("max_seq");
    w.Int64(a.max_seq);
    w.EndObject();
  }
  w.EndObject();
}

std::optional<std::int64_t> seq_of(const rapidjson::Value& attributes) {
  const auto* seq = mf::json::find(attributes, "seq");
  if (seq == nullptr || !seq->IsInt64()) return std::nullopt;
  return seq->GetInt64();
}

}  // namespace mock
