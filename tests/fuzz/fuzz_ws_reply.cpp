// Whatever the collector sends on the WebSocket.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/platforms/manufactory/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto reply = mf::manufactory::parse_reply(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!reply && reply.error().message.empty()) __builtin_trap();
  return 0;
}
