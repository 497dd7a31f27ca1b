// Events as data: components registered once, batches posted, the answers
// settled per event.
#include <algorithm>

#include "agent/common/json.hpp"
#include "agent/common/log.hpp"
#include "agent/net/http_headers.hpp"
#include "agent/platforms/oisp/endpoint.hpp"
#include "agent/platforms/oisp/errors.hpp"

namespace mf::oisp {
namespace {

using uplink::BatchResult;
using uplink::EventOutcome;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t kMaxItems = 1024;                 // the server's data schema
constexpr std::size_t kMaxBody = 256 * 1024 - 4 * 1024;  // 256 KB, less room for the envelope
constexpr std::size_t kItemOverhead = 96;  // {"componentId":"<36>","on":<13>,"value":,"attributes":}

std::string random_uuid(Random& random) {
  const std::uint64_t hi = random.uniform(UINT64_MAX), lo = random.uniform(UINT64_MAX);
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return text;
}

// The values of an attributes object are scalars on this platform (ingest
// checks it), so every ':' outside a string separates one member.
std::size_t member_count(std::string_view json) {
  std::size_t n = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (escaped) escaped = false;
    else if (c == '\\') escaped = in_string;
    else if (c == '"') in_string = !in_string;
    else if (c == ':' && !in_string) ++n;
  }
  return n;
}

BatchResult not_stored(Error why) { return uplink::batch::NotStored{std::move(why), std::nullopt}; }

// False when one of the attributes has a component that cannot be made.
bool usable(const std::map<std::string, std::string>& unusable, const rapidjson::Value& attributes) {
  if (unusable.empty()) return true;
  for (auto it = attributes.MemberBegin(); it != attributes.MemberEnd(); ++it) {
    if (unusable.count(it->name.GetString()) > 0) return false;
  }
  return true;
}

}  // namespace

struct Endpoint::Delivery {
  std::vector<const uplink::OutgoingEvent*> events;
  std::function<void(BatchResult)> done;
  std::map<std::string, std::string> unusable;  // attribute -> why its component cannot be made
  std::vector<std::size_t> posted;              // indexes of the events the data request carries
};


// ---- events ---------------------------------------------------------------------

uplink::BatchLimits Endpoint::limits() const {
  uplink::BatchLimits l;
  l.max_events = kMaxItems;
  l.max_items = kMaxItems;
  l.max_bytes = kMaxBody;
  l.max_batches_in_flight = 4;
  l.min_interval = Duration(3'600'000 / std::max<std::uint64_t>(1, settings_.max_requests_per_hour));
  return l;
}

uplink::EventCost Endpoint::cost(const uplink::OutgoingEvent& event) {
  std::size_t items = member_count(event.attributes_json);
  if (auto it = stored_.find(event.seq); it != stored_.end()) items -= std::min(items, it->second.size());
  return {items, event.attributes_json.size() + items * (kItemOverhead + event.actor_json->size())};
}

void Endpoint::send(const std::vector<const uplink::OutgoingEvent*>& events, std::function<void(BatchResult)> done) {
  auto d = std::make_shared<Delivery>();
  d->events = events;
  d->done = std::move(done);
  register_components(std::move(d));
}

// Every attribute of the batch needs its component on the server, once:
// registered one per request (it happens once per attribute name, ever).
void Endpoint::register_components(std::shared_ptr<Delivery> d) {
  std::optional<ComponentSpec> next;
  for (const auto* e : d->events) {
    auto doc = json::parse_untrusted(e->attributes_json, {1 << 20, 8});
    if (!doc || !doc->IsObject()) continue;
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd() && !next; ++it) {
      const std::string name = it->name.GetString();
      if (state_.components.count(name) > 0 || d->unusable.count(name) > 0) continue;
      auto type = settings_.components.find(name);
      next = ComponentSpec{random_uuid(deps_.random), name,
                           type != settings_.components.end() ? type->second : settings_.default_component_type};
    }
    if (next) break;
  }
  if (!next) return post_data(std::move(d));
  const ComponentSpec c = *next;
  log::info("oisp: registering component '{}' ({}) of device {}", c.name, c.type, settings_.device_id);
  call("POST", "/v1/api/devices/" + settings_.device_id + "/components", components_body({c}), &state_.device_token,
       [this, d, c](Expected<net::HttpResponse> r) {
         if (!r) return finish(d, not_stored(r.error()));
         if (r->status == 401) {
           return finish(d, uplink::batch::CredentialRefused{
                                make_error(ErrorKind::auth_rejected, "OISP refused the device token (HTTP 401)")});
         }
         if (success(r->status)) {
           state_.components[c.name] = c.cid;
           save();
           return register_components(d);
         }
         if (r->status == 409) return recover_component(d, c);  // there already: a lost answer, or lost state
         if (r->status >= 500 || r->status == 429) {
           return finish(d, not_stored(refusal(*r, "the registration of component '" + c.name + "'", "")));
         }
         const ServerError e = server_error(*r);
         d->unusable[c.name] = e.code == 1511 ? "OISP's catalog has no component type '" + c.type + "' for attribute '" + c.name +
                                                    "' (" + describe(e) + "); create the type in the account's catalog or "
                                                    "change oisp.components"
                                              : "OISP refused component '" + c.name + "' of type '" + c.type + "' (" + describe(e) + ")";
         log::warn("oisp: {}", d->unusable[c.name]);
         register_components(d);
       });
}

// 409: the name exists on the device; its cid is what the server lists.
void Endpoint::recover_component(std::shared_ptr<Delivery> d, ComponentSpec wanted) {
  call("GET", "/v1/api/devices/" + settings_.device_id, {}, &state_.device_token, [this, d, wanted](Expected<net::HttpResponse> r) {
    if (!r) return finish(d, not_stored(r.error()));
    if (!success(r->status)) return finish(d, not_stored(refusal(*r, "the device's components", "")));
    auto known = parse_device_components(*r);
    if (!known) return finish(d, not_stored(known.error()));
    auto it = known->find(wanted.name);
    if (it == known->end()) {
      return finish(d, not_stored(make_error(ErrorKind::server, "OISP says component '" + wanted.name +
                                                                            "' exists but does not list it")));
    }
    state_.components[wanted.name] = it->second;
    save();
    register_components(d);
  });
}

void Endpoint::post_data(std::shared_ptr<Delivery> d) {
  rapidjson::StringBuffer b;
  Writer w(b);
  const std::int64_t now = deps_.clock.now_ms();
  w.StartObject();
  w.Key("accountId");
  w.String(state_.account_id.c_str(), static_cast<rapidjson::SizeType>(state_.account_id.size()));
  w.Key("on");
  w.Int64(now);
  w.Key("data");
  w.StartArray();
  std::size_t items = 0;
  d->posted.clear();
  for (std::size_t i = 0; i < d->events.size(); ++i) {
    const auto* e = d->events[i];
    auto doc = json::parse_untrusted(e->attributes_json, {1 << 20, 8});
    if (!doc || !doc->IsObject() || !usable(d->unusable, *doc)) continue;
    d->posted.push_back(i);
    const auto stored = stored_.find(e->seq);
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
      const std::string name = it->name.GetString();
      if (stored != stored_.end() && stored->second.count(name) > 0) continue;  // went with an earlier, partial batch
      w.StartObject();
      w.Key("componentId");
      const std::string& cid = state_.components[name];
      w.String(cid.c_str(), static_cast<rapidjson::SizeType>(cid.size()));
      w.Key("on");
      w.Int64(e->accepted_ms != 0 ? e->accepted_ms : now);
      w.Key("value");
      it->value.Accept(w);
      if (*e->actor_json != "{}") {
        w.Key("attributes");
        w.RawValue(e->actor_json->data(), e->actor_json->size(), rapidjson::kObjectType);
      }
      w.EndObject();
      ++items;
    }
  }
  w.EndArray();
  w.EndObject();
  if (items == 0) return finish(d, uplink::batch::Delivered{});  // nothing left: it went in an earlier, partial batch
  call("POST", "/v1/api/data/" + settings_.device_id, std::string(b.GetString(), b.GetSize()), &state_.device_token,
       [this, d](Expected<net::HttpResponse> r) {
         if (!r) return finish(d, not_stored(r.error()));
         on_data_answer(d, *r);
       });
}

void Endpoint::on_data_answer(std::shared_ptr<Delivery> d, const net::HttpResponse& r) {
  const auto pause = rate_limit_pause(r);
  const ServerError e = server_error(r);
  switch (sort_data_answer(r.status, e)) {
    case DataAnswer::delivered:
      return finish(d, uplink::batch::Delivered{pause});  // with a pause: the allowance is spent, wait for its reset
    case DataAnswer::rate_limited:
      return finish(d, uplink::batch::NotStored{make_error(ErrorKind::server, "OISP's rate limit (" + describe(e) + ")"), pause});
    case DataAnswer::credential:
      return finish(d, uplink::batch::CredentialRefused{
                           make_error(ErrorKind::auth_rejected, "OISP refused the device token (" + describe(e) + ")")});
    case DataAnswer::partly_stored: return settle_partial_answer(d, e);
    case DataAnswer::components_unknown:
      state_.components.clear();  // the server knows none of ours: register them again
      save();
      return finish(d, not_stored(make_error(ErrorKind::server, "OISP knows none of the device's components (" + describe(e) +
                                                                            "); registering them again")));
    case DataAnswer::configuration:
      return finish(d, uplink::batch::TargetRefused{make_error(
                           ErrorKind::target_refused, "OISP refuses data for device " + settings_.device_id + " (" +
                                                          describe(e) + "); check oisp.device_id and collector.url")});
    case DataAnswer::event:  // 400 6400 and the like: nothing of it was stored
      return finish(d, uplink::batch::RefusedWhole{"OISP refused the data (" + describe(e) +
                                                   (e.errors.empty() ? "" : ": " + e.errors.substr(0, 200)) + ")"});
    case DataAnswer::transient: break;
  }
  Error busy = make_error(ErrorKind::server, "OISP did not store the data (" + describe(e) + ")");
  if (r.retry_after) busy.retry_after = net::parse_retry_after(*r.retry_after);
  finish(d, not_stored(std::move(busy)));
}

// Part was stored: the components listed (or, when the answer does not list
// them, those the device has now). Never resend the batch whole.
void Endpoint::settle_partial_answer(std::shared_ptr<Delivery> d, const ServerError& e) {
  if (auto cids = stored_components(e.errors)) return settle_partial(d, std::move(*cids));
  call("GET", "/v1/api/devices/" + settings_.device_id, {}, &state_.device_token, [this, d](Expected<net::HttpResponse> g) {
    auto known = g && success(g->status) ? parse_device_components(*g) : Expected<std::map<std::string, std::string>>(
                                                                             fail(ErrorKind::server, "no component list"));
    std::vector<std::string> registered;
    if (known) {
      for (const auto& [name, cid] : *known) registered.push_back(cid);
    }
    settle_partial(d, std::move(registered));
  });
}

// The items of the components listed were stored; the others are sent again
// (their components registered anew), alone: nothing is stored twice.
void Endpoint::settle_partial(std::shared_ptr<Delivery> d, std::vector<std::string> stored_cids) {
  const std::set<std::string> stored(stored_cids.begin(), stored_cids.end());
  uplink::batch::PerEvent result;
  result.error = make_error(ErrorKind::server, "OISP stored only part of a batch (6402); the rest goes again");
  bool forgot = false;
  for (std::size_t index : d->posted) {
    const auto* e = d->events[index];
    auto doc = json::parse_untrusted(e->attributes_json, {1 << 20, 8});
    EventOutcome outcome;
    for (auto it = doc && doc->IsObject() ? doc->MemberBegin() : rapidjson::Value::ConstMemberIterator();
         doc && doc->IsObject() && it != doc->MemberEnd(); ++it) {
      const std::string name = it->name.GetString();
      auto cid = state_.components.find(name);
      if (cid != state_.components.end() && stored.count(cid->second) > 0) {
        stored_[e->seq].insert(name);
      } else if (stored_[e->seq].count(name) == 0) {
        outcome.kind = EventOutcome::Kind::retry;
        if (cid != state_.components.end()) {
          state_.components.erase(cid);
          forgot = true;
        }
      }
    }
    result.outcomes.push_back(outcome);
  }
  if (forgot) save();
  finish(d, std::move(result));
}

// For the posted events only: with the ones left out as unusable, one outcome per event.
BatchResult Endpoint::with_unusable(const Delivery& d, BatchResult posted_result) {
  if (d.unusable.empty()) return posted_result;
  // About the request, not its events: the whole batch again (the unusable ones are found again).
  if (std::holds_alternative<uplink::batch::CredentialRefused>(posted_result) ||
      std::holds_alternative<uplink::batch::TargetRefused>(posted_result) ||
      std::holds_alternative<uplink::batch::RefusedWhole>(posted_result)) {
    return posted_result;
  }
  const std::vector<EventOutcome> posted = uplink::outcomes_of(posted_result, d.posted.size());
  uplink::batch::PerEvent result{std::vector<EventOutcome>(d.events.size()), uplink::error_of(posted_result),
                                 uplink::pause_of(posted_result)};
  std::vector<bool> was_posted(d.events.size(), false);
  for (std::size_t k = 0; k < d.posted.size(); ++k) {
    was_posted[d.posted[k]] = true;
    result.outcomes[d.posted[k]] = posted[k];
  }
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    if (was_posted[i]) continue;
    auto doc = json::parse_untrusted(d.events[i]->attributes_json, {1 << 20, 8});
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
      if (auto why = d.unusable.find(it->name.GetString()); why != d.unusable.end()) {
        result.outcomes[i] = {EventOutcome::Kind::rejected, why->second};
      }
    }
  }
  return result;
}

// One outcome per event of the batch: the posted ones as the server answered,
// the ones with an unusable attribute rejected.
void Endpoint::finish(std::shared_ptr<Delivery> d, BatchResult result) {
  result = with_unusable(*d, std::move(result));
  const std::vector<EventOutcome> outcomes = uplink::outcomes_of(result, d->events.size());
  for (std::size_t i = 0; i < d->events.size(); ++i) {
    if (outcomes[i].kind != EventOutcome::Kind::retry) stored_.erase(d->events[i]->seq);
  }
  auto done = std::move(d->done);
  done(std::move(result));
}

}  // namespace mf::oisp
