#include "agent/net/url.hpp"

#include <gtest/gtest.h>

namespace mf::net {
namespace {

TEST(Url, ParsesTheDocumentedHosts) {
  auto u = parse_url("https://collector.tallyfy.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "collector.tallyfy.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->join("/auth"), "/auth");
  auto ws = parse_url("wss://collector.tallyfy.com/ws");
  ASSERT_TRUE(ws);
  EXPECT_TRUE(ws->is_websocket());
  EXPECT_TRUE(ws->secure());
  EXPECT_EQ(ws->target, "/ws");
}

TEST(Url, ParsesPortsPathsAndIpv6) {
  auto u = parse_url("https://[::1]:8443/base/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->join("/auth"), "/base/auth");
  EXPECT_EQ(u->host_for_header(), "[::1]:8443");
  EXPECT_EQ(parse_url("ws://127.0.0.1:9000?x=1")->target, "/?x=1");
}

TEST(Url, RejectsWhatCannotWork) {
  for (const char* bad : {"collector.tallyfy.com", "ftp://x", "https://", "https://h:0", "https://h:70000",
                          "https://user:pw@h", "https://[::1"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(Url, KnowsLoopbackHosts) {
  for (const char* h : {"localhost", "127.0.0.1", "127.1.2.3", "::1"}) EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h : {"collector.tallyfy.com", "10.0.0.1", "localhost.example.com", "::2"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

}  // namespace
}  // namespace mf::net
