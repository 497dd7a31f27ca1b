#pragma once
// What every mock platform counts of the events it stored, per actor: how
// many, how many distinct `seq` values, duplicates, and arrivals out of order.
// Tests read it from the stats file ("actors").
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "agent/common/rapidjson.hpp"

namespace mock {

class Ledger {
 public:
  // The actor's number (stable for the mock's life), made on first sight.
  std::int64_t actor_id(const std::string& actor_json);
  // An event stored for the actor; seq: its "seq" attribute, when it has one.
  void record(std::int64_t actor, std::optional<std::int64_t> seq);
  void record(const std::string& actor_json, std::optional<std::int64_t> seq) { record(actor_id(actor_json), seq); }
  // "actors": {"<id>": {"actor_profile", "events", "unique", "duplicates", "out_of_order", "max_seq"}}
  void write(rapidjson::Writer<rapidjson::StringBuffer>& w) const;

 private:
  struct Actor {
    std::string json;
    std::uint64_t events = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::int64_t max_seq = -1;
    std::unordered_set<std::int64_t> seen;
  };
  std::unordered_map<std::string, std::int64_t> ids_;
  std::map<std::int64_t, Actor> actors_;
};

// The integer "seq" member of an attributes object, if any.
std::optional<std::int64_t> seq_of(const rapidjson::Value& attributes);

}  // namespace mock
