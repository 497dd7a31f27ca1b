#include "agent/inputs/http_input.hpp"

#include "agent/common/log.hpp"

namespace mf::inputs {
namespace {

constexpr std::string_view kPath = "/v1/events";
constexpr const char* kRetryAfterSeconds = "2";
constexpr std::size_t kMaxClients = 16;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::size_t skip_space(std::string_view t, std::size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// One past the JSON value that starts at i (strings and nesting followed, not
// checked: the ingest parser does that), or npos when it never ends.
std::size_t value_end(std::string_view t, std::size_t i) {
  int depth = 0;
  bool in_string = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth <= 0) return depth == 0 ? i + 1 : std::string_view::npos;
    } else if ((c == ',' || is_space(c)) && depth == 0) {
      return i;
    }
  }
  return depth == 0 && !in_string ? t.size() : std::string_view::npos;
}

Expected<std::vector<std::string_view>> split_array(std::string_view t, std::size_t open) {
  std::vector<std::string_view> events;
  std::size_t i = skip_space(t, open + 1);
  if (i < t.size() && t[i] == ']') return skip_space(t, i + 1) == t.size() ? Expected<std::vector<std::string_view>>(events)
                                                                           : fail(ErrorKind::invalid_input, "text after the JSON array");
  while (i < t.size()) {
    const std::size_t end = value_end(t, i);
    if (end == std::string_view::npos || end == i) break;
    events.push_back(t.substr(i, end - i));
    i = skip_space(t, end);
    if (i < t.size() && t[i] == ',') {
      i = skip_space(t, i + 1);
      continue;
    }
    if (i < t.size() && t[i] == ']' && skip_space(t, i + 1) == t.size()) return events;
    break;
  }
  return fail(ErrorKind::invalid_input, "the body starts a JSON array that is not well formed near byte " + std::to_string(i) +
                                            "; send a JSON array of events, NDJSON (one event per line) or one event");
}

std::string results_json(std::size_t accepted, const std::vector<std::string>& errors) {
  std::string out = "{\"accepted\":" + std::to_string(accepted) + ",\"refused\":";
  std::size_t refused = 0;
  for (const auto& e : errors) refused += e.empty() ? 0 : 1;
  out += std::to_string(refused) + ",\"results\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out += ',';
    out += errors[i].empty() ? ingest::ok_reply() : ingest::error_reply(errors[i]);
  }
  return out + "]}\n";
}

net::HttpAnswer json_error(unsigned status, std::string_view message) {
  return {status, "application/json", ingest::error_reply(message) + "\n"};
}

bool same_secret(std::string_view a, std::string_view b) {
  unsigned char differ = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) differ |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return differ == 0 && !b.empty();
}

}  // namespace

Expected<std::vector<std::string_view>> split_events(std::string_view body) {
  const std::size_t first = skip_space(body, 0);
  if (first == body.size()) return std::vector<std::string_view>{};
  if (body[first] == '[') return split_array(body, first);
  // One event, however it is laid out over lines...
  const std::size_t end = value_end(body, first);
  if (end != std::string_view::npos && skip_space(body, end) == body.size()) {
    return std::vector<std::string_view>{body.substr(first, end - first)};
  }
  // ...else NDJSON: a bad line is refused alone.
  std::vector<std::string_view> events;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t newline = body.find('\n', start);
    if (newline == std::string_view::npos) newline = body.size();
    std::string_view line = body.substr(start, newline - start);
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (!line.empty()) events.push_back(line);
    start = newline + 1;
  }
  return events;
}

HttpInput::HttpInput(boost::asio::io_context& io, const Config& config, ingest::Ingest& ingest)
    : ingest_(ingest), settings_(config.inputs.http) {
  net::HttpServerOptions options{"inputs.http", settings_.listen.host, settings_.listen.port};
  options.max_clients = kMaxClients;
  options.max_body_bytes = settings_.max_body_bytes;
  server_ = std::make_unique<net::HttpServer>(io, options, [this](const net::ServedRequest& r) { return handle(r); });
}

HttpInput::~HttpInput() = default;

Status HttpInput::start() {
  if (auto ok = server_->start(); !ok) return ok;
  log::info("http input on http://{}{}{}", net::ListenAddress{settings_.listen.host, server_->port()}.to_string(), kPath,
            settings_.token.empty() ? "" : " (bearer token asked)");
  return {};
}

void HttpInput::stop() { server_->stop(); }

std::uint16_t HttpInput::port() const { return server_->port(); }

std::vector<std::string> HttpInput::reload(const Config& next) {
  std::vector<std::string> restart;
  const auto& n = next.inputs.http;
  if (n.enabled && n.listen.to_string() != settings_.listen.to_string()) {
    restart.emplace_back("inputs.http.listen");
  }
  if (n.max_body_bytes != settings_.max_body_bytes) restart.emplace_back("inputs.http.max_body_bytes");
  settings_.token = n.token;
  settings_.token_source = n.token_source;
  return restart;
}

net::HttpAnswer HttpInput::handle(const net::ServedRequest& request) {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path != kPath) return json_error(404, "not found; events go to POST " + std::string(kPath));
  if (request.method != "POST") {
    auto answer = json_error(405, "events are sent with POST " + std::string(kPath));
    answer.headers.emplace_back("Allow", "POST");
    return answer;
  }
  if (!settings_.token.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    const bool bearer = request.authorization.substr(0, kBearer.size()) == kBearer;
    if (!bearer || !same_secret(request.authorization.substr(kBearer.size()), settings_.token.reveal())) {
      auto answer = json_error(401, "send the configured token: Authorization: Bearer <inputs.http.token>");
      answer.headers.emplace_back("WWW-Authenticate", "Bearer");
      return answer;
    }
  }
  return post_events(request.body);
}

net::HttpAnswer HttpInput::post_events(std::string_view body) {
  auto events = split_events(body);
  if (!events) {
    ingest_.count_refused(Source::http);
    return json_error(400, events.error().message);
  }
  if (events->empty()) return json_error(400, "the body holds no event; send NDJSON, a JSON array or one JSON object");
  std::vector<std::string> errors(events->size());
  std::vector<std::pair<std::size_t, ingest::PreparedEvent>> good;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < events->size(); ++i) {
    auto prepared = ingest_.prepare((*events)[i]);
    if (!prepared) {
      errors[i] = prepared.error().message;
      continue;
    }
    bytes += prepared->attributes_json.size();
    good.emplace_back(i, std::move(*prepared));
  }
  const std::size_t bad = events->size() - good.size();
  if (bad > 0) ingest_.count_refused(Source::http, bad);
  if (!good.empty() && !ingest_.could_hold(good.size(), bytes)) {
    ingest_.count_refused(Source::http, good.size());
    return json_error(413, "the request holds " + std::to_string(good.size()) + " events (" + std::to_string(bytes) +
                               " bytes); the buffer could not hold them even empty (buffer.max_events, "
                               "buffer.max_bytes): send fewer per request");
  }
  if (!good.empty() && !ingest_.has_room(good.size(), bytes)) {
    ingest_.count_deferred(Source::http, good.size());
    auto answer = json_error(429, "the buffer is full: none of the " + std::to_string(good.size()) +
                                      " events was taken; send them again later (the platform is unreachable or slow)");
    answer.headers.emplace_back("Retry-After", kRetryAfterSeconds);
    return answer;
  }
  std::size_t accepted = 0;
  for (auto& [index, event] : good) {
    const ingest::Outcome outcome = ingest_.store(std::move(event), Source::http);
    if (outcome.accepted) ++accepted;
    else errors[index] = outcome.error;
  }
  return {accepted > 0 ? 200U : 400U, "application/json", results_json(accepted, errors)};
}

}  // namespace mf::inputs
