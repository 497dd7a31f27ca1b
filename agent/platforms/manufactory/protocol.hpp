#pragma once
// The Manufactory WebSocket, as the generic connection sees it: wait for the
// greeting, pair, then one event per message, each answered in order
// (acknowledgement is positional: replies carry no id).
#include <string>

#include "agent/uplink/stream_protocol.hpp"

namespace mf::manufactory {

class Protocol final : public uplink::StreamProtocol {
 public:
  explicit Protocol(std::string pair_text) : pair_text_(std::move(pair_text)) {}

  std::string opening() override { return {}; }
  uplink::StreamReply read(std::string_view text) override;
  void encode(const uplink::OutgoingEvent& event, std::string& out) override;
  bool positional() const override { return true; }

 private:
  enum class Phase { greeting, pairing, streaming };
  uplink::StreamReply read_pairing_reply(std::string_view text);
  uplink::StreamReply read_event_reply(std::string_view text);

  std::string pair_text_;
  Phase phase_ = Phase::greeting;
};

}  // namespace mf::manufactory
