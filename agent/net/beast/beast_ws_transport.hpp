#pragma once
// The WebSocket transport on Boost.Beast: one io_context with the HTTP
// client, frames of several events in one TLS write when they queue
// (WriteCoalescer), a ping timer for half-open connections, every stage
// under a deadline. Beast stays inside agent/net/.
#include <boost/asio/io_context.hpp>

#include <memory>

#include "agent/net/tls.hpp"
#include "agent/net/ws_transport.hpp"

namespace mf::net {

std::unique_ptr<WsTransport> make_beast_ws_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options);

}  // namespace mf::net
