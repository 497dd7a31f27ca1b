#pragma once
// Events by HTTP (inputs.http): POST /v1/events with NDJSON, a JSON array or
// one object. All or nothing per request as far as room goes: 200 with a
// result per event once every good event is in the buffer; 429 with
// Retry-After when the buffer cannot take them all (none is taken); 413 for
// a body over the limit; 401 without the token.
#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/net/http_server.hpp"

namespace mf::inputs {

class HttpInput {
 public:
  HttpInput(boost::asio::io_context& io, const Config& config, ingest::Ingest& ingest);
  ~HttpInput();

  Status start();
  void stop();
  std::uint16_t port() const;
  // The token and limits apply at once; what cannot is returned (keys needing a restart).
  std::vector<std::string> reload(const Config& next);

  // The answer to one request (public for the unit tests).
  net::HttpAnswer handle(const net::ServedRequest& request);

 private:
  net::HttpAnswer post_events(std::string_view body);

  ingest::Ingest& ingest_;
  Config::Inputs::Http settings_;
  std::unique_ptr<net::HttpServer> server_;
};

// The events of a body: NDJSON lines, the elements of a JSON array, or one
// object. Blank lines are skipped. Views into body.
Expected<std::vector<std::string_view>> split_events(std::string_view body);

}  // namespace mf::inputs
