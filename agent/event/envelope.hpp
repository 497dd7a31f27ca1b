#pragma once
// {"actor":{...},"attributes":{...}} — an event with its actor, as producers
// send it on the ingest socket and as the dead-letter file keeps it (with the
// collector's reason).
#include <string>
#include <string_view>

namespace mf::event {

// actor_json and attributes_json are spliced in as they are: pass validated
// JSON objects, or let the receiver validate (the ingest socket does).
std::string envelope_json(std::string_view actor_json, std::string_view attributes_json, std::string_view reason = {});

}  // namespace mf::event
