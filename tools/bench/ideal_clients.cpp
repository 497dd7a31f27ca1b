#include "tools/bench/ideal_clients.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <functional>
#include <thread>

#include "agent/common/json.hpp"
#include "agent/platforms/manufactory/auth_response.hpp"
#include "agent/platforms/manufactory/messages.hpp"

namespace bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One blocking HTTPS request to the mock.
http::response<http::string_body> https(boost::asio::io_context& io, ssl::context& tls, const std::string& port,
                                        http::request<http::string_body> req) {
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  tcp::resolver resolver(io);
  beast::get_lowest_layer(stream).connect(resolver.resolve("localhost", port));
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  stream.handshake(ssl::stream_base::client);
  req.set(http::field::host, "localhost");
  req.set(http::field::content_type, "application/json");
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

void open_websocket(Ws& ws, boost::asio::io_context& io, const std::string& port, const std::string& path) {
  tcp::resolver resolver(io);
  beast::get_lowest_layer(ws).connect(resolver.resolve("localhost", port));
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost:" + port, path);
  ws.text(true);
}

std::string read_message(Ws& ws) {
  beast::flat_buffer b;
  ws.read(b);
  return beast::buffers_to_string(b.data());
}

// A platform's wire, as the ideal client needs it.
struct Wire {
  std::function<void(Ws&)> open;                            // blocking: log in, connect, handshake
  std::function<std::string(int actor, int seq)> message;   // one event
  std::function<bool(const std::string& reply)> confirms;   // does this message confirm one event?
};

Wire manufactory_wire(boost::asio::io_context& io, ssl::context& tls, const std::string& port, int actor, std::size_t size) {
  Wire w;
  w.open = [&io, &tls, port, actor](Ws& ws) {
    http::request<http::string_body> req(http::verb::post, "/auth", 11);
    req.set("X-Manufactory-Auth", "test-project-key");
    req.body() = mf::manufactory::build_auth_body("org_test", 1, actor_json(actor));
    auto res = https(io, tls, port, std::move(req));
    auto session = mf::manufactory::parse_auth_response(static_cast<int>(res.result_int()), res.body(), std::nullopt);
    if (!session) die("ideal client: /auth failed: " + session.error().message);
    open_websocket(ws, io, port, "/ws");
    read_message(ws);  // the greeting
    ws.write(boost::asio::buffer(mf::manufactory::pair_message(*session)));
    if (read_message(ws).find("\"ok\"") == std::string::npos) die("pairing refused");
  };
  w.message = [size](int, int seq) { return mf::manufactory::event_message(attributes(seq, size, false)); };
  w.confirms = [](const std::string&) { return true; };
  return w;
}

// SAMA: the same message shape the agent writes (PLATFORMS.md), by hand.
Wire sama_wire(boost::asio::io_context& io, ssl::context& tls, const std::string& port, std::size_t size) {
  Wire w;
  w.open = [&io, &tls, port](Ws& ws) {
    http::request<http::string_body> req(http::verb::post, "/login", 11);
    req.body() = R"({"organization_id":"680a2fae96cc69d78861f101","login":"gateway_01","password":"test-password","device_id":"ideal"})";
    auto res = https(io, tls, port, std::move(req));
    auto doc = mf::json::parse_untrusted(res.body(), {1 << 20, 8});
    const char* token = doc && doc->IsObject() ? mf::json::find_string(*doc, "access_token") : nullptr;
    if (token == nullptr) die("ideal client: /login failed: " + res.body());
    open_websocket(ws, io, port, "/");
    ws.write(boost::asio::buffer(R"({"request":{"connect":{"token":")" + std::string(token) + R"(","device_id":"ideal"},"id":"c1"}})"));
    if (read_message(ws).find("\"success\":true") == std::string::npos) die("ideal client: connect refused");
  };
  w.message = [size](int actor, int seq) {
    const std::string a = attributes(seq, size, false);
    std::string body;
    for (char c : a) {
      if (c == '"') body += '\\';
      body += c;
    }
    const std::string id = "ideal." + std::to_string(actor) + "." + std::to_string(seq);
    return R"({"request":{"message":{"id":")" + id + R"(","cid":"6b0f0bcaa882842c8dfe74f4","body":")" + body +
           R"(","x":{"event_id":")" + id + R"(","actor":)" + actor_json(actor) + R"(,"attributes":)" + a + R"(}},"id":"r)" +
           std::to_string(seq) + R"("}})";
  };
  w.confirms = [](const std::string& reply) { return reply.compare(0, 7, R"({"ask")") == 0; };
  return w;
}

// Writes all its events on one WebSocket as fast as it can (no window: the
// ceiling), counting confirmations; events go to actors in turn.
class IdealConnection : public std::enable_shared_from_this<IdealConnection> {
 public:
  IdealConnection(boost::asio::io_context& io, ssl::context& tls, Wire wire, int first_actor, int actors, int events)
      : ws_(io, tls), wire_(std::move(wire)), first_actor_(first_actor), actors_(actors), total_(events) {}

  void connect() { wire_.open(ws_); }
  void start() {
    read();
    fill();
  }

 private:
  void fill() {
    while (sent_ < total_) {
      queue_.push_back(wire_.message(first_actor_ + sent_ % actors_, sent_));
      ++sent_;
    }
    write_next();
  }

  void write_next() {
    if (writing_ || queue_.empty()) return;
    writing_ = true;
    ws_.async_write(boost::asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) die("ideal client: write failed: " + ec.message());
      self->queue_.pop_front();
      self->writing_ = false;
      self->write_next();
    });
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) die("ideal client: read failed: " + ec.message());
      const bool confirmation = self->wire_.confirms(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      if (confirmation) ++self->acked_;
      if (self->acked_ == self->total_) return;
      self->fill();
      self->read();
    });
  }

  Ws ws_;
  Wire wire_;
  int first_actor_;
  int actors_;
  int total_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  int sent_ = 0;
  int acked_ = 0;
};

// A keep-alive HTTPS connection for the REST platforms, used blocking from one thread.
class HttpsSession {
 public:
  HttpsSession(ssl::context& tls, const std::string& port) : stream_(io_, tls) {
    tcp::resolver resolver(io_);
    beast::get_lowest_layer(stream_).connect(resolver.resolve("localhost", port));
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    stream_.handshake(ssl::stream_base::client);
  }

  http::response<http::string_body> request(http::verb verb, const std::string& target, std::string body,
                                            const std::string& bearer = {}) {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "localhost");
    req.set(http::field::content_type, "application/json");
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res;
  }

 private:
  boost::asio::io_context io_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

std::string string_member(const std::string& body, const char* key, const char* what) {
  auto doc = mf::json::parse_untrusted(body, {1 << 20, 8});
  const char* value = doc && doc->IsObject() ? mf::json::find_string(*doc, key) : nullptr;
  if (value == nullptr) die(std::string("ideal client: ") + what + " failed: " + body);
  return value;
}

// Runs lanes(lane) on `lanes` threads, each with its own keep-alive connection; the seconds it took.
double run_lanes(int lanes, const std::function<void(int lane)>& lane_work) {
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  for (int l = 0; l < lanes; ++l) threads.emplace_back(lane_work, l);
  for (auto& t : threads) t.join();
  return seconds_since(start);
}

constexpr int kOispLanes = 4;            // the agent's max_batches_in_flight
constexpr int kOispEventsPerBatch = 512;  // 1024 items of two components each
constexpr std::size_t kOispMaxBody = 256 * 1024;

// OISP: activate, register the two components, then full batches of /data,
// a lane per actor up to the agent's requests in flight (an actor's events
// are in one request at a time, as the agent keeps them).
double oisp_ceiling(ssl::context& tls, const std::string& port, int actors, int events, std::size_t size) {
  HttpsSession setup(tls, port);
  const auto activation = setup.request(http::verb::put, "/v1/api/devices/ideal/activation", R"({"activationCode":"BenchCode"})");
  const std::string token = string_member(activation.body(), "deviceToken", "activation");
  const std::string account = string_member(activation.body(), "domainId", "activation");
  const auto components = setup.request(http::verb::post, "/v1/api/devices/ideal/components",
                                        R"([{"cid":"00000000-0000-4000-8000-000000000001","name":"sequence","type":"temperature.v1.0"},)"
                                        R"({"cid":"00000000-0000-4000-8000-000000000002","name":"payload","type":"log.v1.0"}])",
                                        token);
  if (components.result_int() != 201 && components.result_int() != 200) die("ideal client: components: " + components.body());
  const int lanes = std::min(kOispLanes, actors);
  return run_lanes(lanes, [&](int lane) {
    HttpsSession s(tls, port);
    const int mine = events / lanes;
    int i = 0;
    while (i < mine) {  // as full as the server takes: 1024 items, 256 KiB
      std::string body = R"({"accountId":")" + account + R"(","on":1,"data":[)";
      for (int n = 0; n < kOispEventsPerBatch && i < mine; ++n, ++i) {
        const int seq = lane * mine + i;
        const std::string actor = ",\"attributes\":" + actor_json(lane + lanes * (i % (actors / lanes)));
        const std::string a = attributes(seq, size, false);
        const std::string payload = a.substr(a.find("\"p\":") + 4, a.size() - a.find("\"p\":") - 5);
        const std::string items = R"({"componentId":"00000000-0000-4000-8000-000000000001","on":1,"value":)" +
                                  std::to_string(seq) + actor + R"(},{"componentId":"00000000-0000-4000-8000-000000000002","on":1,"value":)" +
                                  payload + actor + "}";
        if (n > 0 && body.size() + items.size() + 3 > kOispMaxBody) break;
        body += (n == 0 ? "" : ",") + items;
      }
      const auto res = s.request(http::verb::post, "/v1/api/data/ideal", body + "]}", token);
      if (res.result_int() != 201) die("ideal client: data: " + res.body());
    }
  });
}

constexpr int kMobiusLanes = 8;  // the agent's writes in flight

// MobiusFlow: log in, then a PATCH per event to its object; a lane per
// object (its writes in order, one at a time, as the agent keeps them).
double mobiusflow_ceiling(ssl::context& tls, const std::string& port, int actors, int events, std::size_t size) {
  HttpsSession setup(tls, port);
  const auto login = setup.request(http::verb::post, "/api/v1/auth/login", R"({"username":"gateway_01","password":"test-password"})");
  const std::string token = string_member(login.body(), "token", "login");
  const int lanes = std::min(kMobiusLanes, actors);
  return run_lanes(lanes, [&](int lane) {
    HttpsSession s(tls, port);
    const int mine = events / lanes;
    for (int i = 0; i < mine; ++i) {
      const int seq = lane * mine + i;
      const int object = lane;
      const std::string a = attributes(seq, size, false);
      const std::string payload = a.substr(a.find("\"p\":") + 4, a.size() - a.find("\"p\":") - 5);
      const std::string target = "/api/v1/mobius/object/resource/0000" + std::to_string(object) + "0/020/0010/0001";
      const auto res = s.request(http::verb::patch, target,
                                 R"([{"r":"40","p":16,"v":)" + std::to_string(seq) + R"(},{"r":"41","p":16,"v":)" + payload + "}]", token);
      if (res.result_int() / 100 != 2) die("ideal client: write: " + res.body());
    }
  });
}

}  // namespace

CeilingRun run_ceiling(const Env& env, const Scenario& scenario) {
  const int actors = scenario.actors, events = scenario.events;
  const std::size_t size = scenario.size;
  Mock mock(env, "ceiling", scenario);
  boost::asio::io_context io;
  ssl::context tls(ssl::context::tls_client);
  tls.load_verify_file(env.certs + "/ca.pem");
  tls.set_verify_mode(ssl::verify_peer);
  double mock_cpu_before = mock.process().cpu_seconds();
  double own_cpu_before = own_cpu_seconds();
  double took = 0;
  int done = events;
  if (env.platform == "oisp" || env.platform == "mobiusflow") {
    const int lanes = std::min(actors, env.platform == "oisp" ? kOispLanes : kMobiusLanes);
    done = (events / lanes) * lanes;
    took = env.platform == "oisp" ? oisp_ceiling(tls, mock.port(), actors, events, size)
                                  : mobiusflow_ceiling(tls, mock.port(), actors, events, size);
  } else {
    std::vector<std::shared_ptr<IdealConnection>> connections;
    if (env.platform == "sama") {  // one WebSocket for the whole agent, as the agent has
      connections.push_back(std::make_shared<IdealConnection>(io, tls, sama_wire(io, tls, mock.port(), size), 0, actors, events));
    } else {  // a paired WebSocket per actor
      for (int a = 0; a < actors; ++a) {
        connections.push_back(
            std::make_shared<IdealConnection>(io, tls, manufactory_wire(io, tls, mock.port(), a, size), a, 1, events / actors));
      }
      done = (events / actors) * actors;
    }
    for (auto& c : connections) c->connect();
    mock_cpu_before = mock.process().cpu_seconds();  // logging in and connecting left out, as for the agent
    own_cpu_before = own_cpu_seconds();
    const auto start = SteadyClock::now();
    for (auto& c : connections) c->start();
    io.run();
    took = seconds_since(start);
  }
  const double mock_cpu = mock.process().cpu_seconds() - mock_cpu_before;
  return {done / took, (own_cpu_seconds() - own_cpu_before) * 1e6 / done, mock_cpu / took, mock_cpu * 1e6 / done};
}

}  // namespace bench
