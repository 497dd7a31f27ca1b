#pragma once
// The CONNECT tunnel through an HTTP proxy. TLS runs inside it, end to end,
// verified against the platform's name: the proxy sees only host and port.
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <string>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/net/proxy.hpp"

namespace mf::net {

// On a TCP stream connected to the proxy: CONNECT host:port, and done() once
// the proxy answered 2xx (the stream is then a byte pipe to host:port), or
// with an error that says what the proxy answered and what to do.
void async_open_tunnel(boost::beast::tcp_stream& stream, const Proxy& proxy, const std::string& host, std::uint16_t port,
                       Duration timeout, std::function<void(Status)> done);

}  // namespace mf::net
