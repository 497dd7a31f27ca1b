#pragma once
// The websocketpp backend of WsTransport. Its header names no websocketpp type.
#include <boost/asio/io_context.hpp>

#include <memory>

#include "agent/net/tls.hpp"
#include "agent/net/ws_transport.hpp"

namespace mf::net {

std::unique_ptr<WsTransport> make_websocketpp_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options);

}  // namespace mf::net
