#include "agent/daemon/readiness.hpp"

#include <algorithm>

#include "agent/common/rapidjson.hpp"
#include "agent/common/units.hpp"

namespace mf::daemon {
namespace {

bool any_link_in(const StatusSnapshot& s, uplink::LinkState state) {
  return std::any_of(s.actors.begin(), s.actors.end(), [state](const uplink::ActorStatus& a) { return a.state == state; });
}

}  // namespace

Readiness readiness(const StatusSnapshot& s, const ReadinessLimits& limits) {
  Readiness r;
  if (s.state == "draining") r.reasons.emplace_back("draining: the agent is stopping");
  const std::string why = s.credential_problem.empty() ? std::string() : ": " + s.credential_problem;
  if (any_link_in(s, uplink::LinkState::auth_refused)) {
    r.reasons.push_back("the platform refuses the configured credentials" + why);
  }
  if (any_link_in(s, uplink::LinkState::target_refused)) {
    r.reasons.push_back("the platform refuses the configured target" + why);
  }
  if (s.oldest_event_age && *s.oldest_event_age > limits.max_event_age) {
    r.reasons.push_back("the oldest buffered event is " + format_duration(*s.oldest_event_age) +
                        " old (metrics.ready_max_event_age: " + format_duration(limits.max_event_age) + ")");
  }
  const Duration silent = s.since_last_delivery.value_or(s.uptime);
  if (s.buffer.events > 0 && silent > limits.max_silence) {
    r.reasons.push_back(std::string(s.since_last_delivery ? "nothing delivered for " : "nothing delivered since the start, ") +
                        format_duration(silent) + " while " + std::to_string(s.buffer.events) +
                        " events wait (metrics.ready_max_silence: " + format_duration(limits.max_silence) + ")");
  }
  return r;
}

std::string readiness_json(const Readiness& r) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("ready");
  w.Bool(r.ready());
  if (!r.ready()) {
    w.Key("reasons");
    w.StartArray();
    for (const auto& reason : r.reasons) w.String(reason.c_str(), static_cast<rapidjson::SizeType>(reason.size()));
    w.EndArray();
  }
  w.EndObject();
  return std::string(b.GetString(), b.GetSize()) + "\n";
}

}  // namespace mf::daemon
