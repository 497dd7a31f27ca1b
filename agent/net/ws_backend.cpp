#include "agent/net/ws_backend.hpp"

#if MF_WS_BACKEND_WEBSOCKETPP
#include "agent/net/websocketpp/websocketpp_transport.hpp"
#else
#include "agent/net/beast/beast_ws_transport.hpp"
#endif

namespace mf::net {

std::unique_ptr<WsTransport> make_ws_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options) {
#if MF_WS_BACKEND_WEBSOCKETPP
  return make_websocketpp_transport(io, std::move(tls), options);
#else
  return make_beast_ws_transport(io, std::move(tls), options);
#endif
}

const char* ws_backend_name() { return MF_WS_BACKEND_WEBSOCKETPP ? "websocketpp" : "beast"; }

}  // namespace mf::net
