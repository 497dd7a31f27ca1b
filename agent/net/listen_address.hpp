#pragma once
// HOST:PORT for a server of ours: an IP literal (IPv6 in brackets) or
// "localhost", and a port (0: any free one).
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"

namespace mf::net {

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

Expected<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace mf::net
