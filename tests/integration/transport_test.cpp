// TLS as an operator relies on it: verified peer and host name, and clear
// words when either is wrong. Real certificates, real handshakes, loopback.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

const std::string kActor = R"({"username":"gateway_01"})";

struct BadCertificate {
  const char* cert;
  const char* expected;
  friend void PrintTo(const BadCertificate& c, std::ostream* os) { *os << c.cert; }
};

class UntrustedCertificate : public ::testing::TestWithParam<BadCertificate> {};

TEST_P(UntrustedCertificate, IsRefusedWithTheReason) {
  MockCollector collector({}, GetParam().cert);
  TempDir dir;
  auto r = oneshot(collector.write_agent_config(dir), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find(GetParam().expected), std::string::npos) << r.all();
  EXPECT_EQ(collector.counter("auth_calls"), 0u) << "nothing may be sent to an unverified peer";
}

INSTANTIATE_TEST_SUITE_P(Tls, UntrustedCertificate,
                         ::testing::Values(BadCertificate{"self-signed", "certificate was not accepted: self-signed certificate"},
                                           BadCertificate{"wrong-host", "certificate was not accepted: hostname mismatch"},
                                           BadCertificate{"expired", "certificate expired on "}),
                         [](const auto& param_info) {
                           std::string name = param_info.param.cert;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

// A board that booted in 1970 sees every certificate as not yet valid; an
// expired one is named with its date and the device's clock.
TEST(Tls, AnExpiredCertificateNamesItsDateAndTheDevicesClock) {
  MockCollector collector({}, "expired");
  TempDir dir;
  auto r = oneshot(collector.write_agent_config(dir), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find(" GMT, and this device's clock says "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is NTP running?"), std::string::npos) << r.err;
}

TEST(Tls, HttpToATlsPortSaysToWriteHttps) {
  MockCollector collector;
  TempDir dir;
  const std::string yaml = with_line(read_file(collector.write_agent_config(dir)), "  url: ",
                                    "  url: http://localhost:" + std::to_string(collector.port()));
  auto r = oneshot(dir.write("config.yaml", yaml), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("is it a TLS port? then write https://"), std::string::npos) << r.err;
}

TEST(Tls, AWebSocketToAClosedPortSaysConnectionRefused) {
  MockCollector collector;
  TempDir dir;
  const std::string yaml = with_line(read_file(collector.write_agent_config(dir)), "  ws_url: ",
                                    "  ws_url: wss://localhost:" + std::to_string(free_loopback_port()) + "/ws");
  auto r = oneshot(dir.write("config.yaml", yaml), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check collector.ws_url"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Underlying Transport Error"), std::string::npos) << r.err;
}

TEST(Tls, AnIpAddressIsCheckedAgainstTheCertificatesIpEntries) {
  MockCollector collector;
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: org_test\nproject_id: 1\nproject_key: test-project-key\n"
                                               "collector:\n  url: " + collector.url("127.0.0.1") +
                                                   "\n  ws_url: " + collector.ws_url("127.0.0.1") +
                                                   "\n  ca_file: " + cert_path("ca.pem") + "\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST(Tls, TheWebSocketVerifiesTheHostToo) {
  // /auth goes to a trusted collector; the WebSocket URL to one with a certificate for another host.
  MockCollector good;
  MockCollector wrong_host({}, "wrong-host");
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: org_test\nproject_id: 1\nproject_key: test-project-key\n"
                                               "collector:\n  url: " + good.url() +
                                                   "\n  ws_url: " + wrong_host.ws_url() +
                                                   "\n  ca_file: " + cert_path("ca.pem") + "\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("hostname mismatch"), std::string::npos) << r.all();
  EXPECT_EQ(wrong_host.counter("connections"), 0u);
}

TEST(Plain, LoopbackCollectorsMayUseHttpAndWs) {
  TempDir mock_dir;
  BackgroundProcess mock({MF_MOCK_BIN, "--plain", "--port-file", mock_dir.file("port"), "--quiet"}, mock_dir.file("log"));
  ASSERT_TRUE(eventually([&] { return !read_file(mock_dir.file("port")).empty(); }));
  const std::string port = read_file(mock_dir.file("port"));
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: org_test\nproject_id: 1\nproject_key: test-project-key\n"
                                               "collector:\n  url: http://127.0.0.1:" + port.substr(0, port.size() - 1) +
                                                   "\n  ws_url: ws://127.0.0.1:" + port.substr(0, port.size() - 1) + "/ws\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  // https:// to that plain port: the handshake fails, and the error says why.
  const auto tls_config = dir.write("tls.yaml", "org_id: org_test\nproject_id: 1\nproject_key: test-project-key\n"
                                                "collector:\n  url: https://127.0.0.1:" + port.substr(0, port.size() - 1) + "\n");
  auto tls = oneshot(tls_config, kActor, R"({"a":1})");
  EXPECT_EQ(tls.exit_code, 1) << tls.all();
  EXPECT_NE(tls.err.find("is it plain HTTP? then write http://"), std::string::npos) << tls.err;
}

}  // namespace
}  // namespace mf::test

#include <boost/asio/io_context.hpp>

#include "agent/net/http_client.hpp"

namespace mf::test {
namespace {

// Requests to one host share a kept-alive TLS connection, still verified.
TEST(HttpKeepAlive, RequestsToOneHostShareAVerifiedConnection) {
  MockCollector mock({"--platform", "mobiusflow", "--quiet"});
  boost::asio::io_context io;
  auto tls = net::make_client_tls_context({cert_path("ca.pem"), false});
  ASSERT_TRUE(tls);
  net::HttpClient http(io, *tls, {});
  int answered = 0;
  std::function<void()> next = [&] {
    net::HttpRequest r;
    r.method = "POST";
    r.url = *net::parse_url(mock.url() + "/api/v1/auth/login");
    r.url.target = "/api/v1/auth/login";
    r.body = R"({"username":"gateway_01","password":"test-password"})";
    http.request(std::move(r), [&](Expected<net::HttpResponse> res) {
      ASSERT_TRUE(res) << res.error().message;
      EXPECT_EQ(res->status, 200);
      if (++answered < 5) next();
    });
  };
  next();
  io.run();
  EXPECT_EQ(answered, 5);
  EXPECT_EQ(http.connections_opened(), 1u);
  EXPECT_EQ(http.connections_reused(), 4u);
  EXPECT_EQ(mock.counter("logins"), 5u);
}

}  // namespace
}  // namespace mf::test
