// The /auth response: any status, any body, any Retry-After.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/platforms/manufactory/auth_response.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int status = 100 + (data[0] | (data[1] << 8)) % 500;
  const std::size_t split = data[2] % (size - 2);
  const std::string retry_after(reinterpret_cast<const char*>(data + 3), split);
  const std::string body(reinterpret_cast<const char*>(data + 3 + split), size - 3 - split);
  auto session = mf::manufactory::parse_auth_response(status, body, retry_after.empty() ? std::nullopt : std::optional(retry_after));
  if (session && (status != 200 || session->client_uuid.empty())) __builtin_trap();
  return 0;
}
