#pragma once
// The two kinds of connection the mock serves: TLS (over a coalescing TCP
// stream) and plain, for loopback tests that want no TLS.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "tools/mock-collector/coalescing_stream.hpp"

namespace mock {

using TlsStream = boost::beast::ssl_stream<CoalescingStream>;
using PlainStream = boost::beast::tcp_stream;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

template <class Stream>
constexpr bool kSecure = std::is_same_v<Stream, TlsStream>;

}  // namespace mock
