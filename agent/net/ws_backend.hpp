#pragma once
// The WebSocket backend this build was configured with (-DMF_WS_BACKEND=beast
// or websocketpp); the rest of the agent sees only net::WsTransport.
#include <boost/asio/io_context.hpp>

#include <memory>

#include "agent/net/tls.hpp"
#include "agent/net/ws_transport.hpp"

namespace mf::net {

std::unique_ptr<WsTransport> make_ws_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options);
const char* ws_backend_name();  // "beast" or "websocketpp", for --version and status

}  // namespace mf::net
