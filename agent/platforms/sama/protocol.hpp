#pragma once
// SAMA's WebSocket (PLATFORMS.md), as the generic connection sees it:
//   connect   {"request":{"connect":{"token","device_id"},"id":"c1"}}, wait for its answer
//   an event  {"request":{"message":{"id":E,"cid","body","x":{...}},"id":"r-<seq>"}}
//             (the action first: the server routes on the first key)
//   delivered {"ask":{"mid":E,...}}, in any order
//   refused   {"response":{"id":"r-<seq>","error":...}}; 401/422 means the session is lost
// E = "<device_id>.<accepted ms>.<seq>": the same for an event across resends
// and restarts, so a reader can drop duplicates (the server stores the same
// id twice). The server does not keep E with the message, so it also travels
// in x.event_id.
#include <cstdint>
#include <optional>
#include <string>

#include "agent/common/secret.hpp"
#include "agent/platforms/sama/settings.hpp"
#include "agent/uplink/stream_protocol.hpp"

namespace mf::sama {

std::string event_id(const std::string& device_id, std::int64_t accepted_ms, std::uint64_t seq);
// The seq of one of our event ids for this device; nullopt for anything else.
std::optional<std::uint64_t> seq_of_event_id(std::string_view id, const std::string& device_id);

class Protocol final : public uplink::StreamProtocol {
 public:
  Protocol(const Settings& settings, Secret access_token);

  std::string opening() override;
  uplink::StreamReply read(std::string_view text) override;
  void encode(const uplink::OutgoingEvent& event, std::string& out) override;
  bool positional() const override { return false; }
  std::string keepalive() override;

 private:
  const Settings& settings_;
  Secret access_token_;
  std::uint64_t pings_ = 0;
};

}  // namespace mf::sama
