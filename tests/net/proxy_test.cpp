// Proxy URLs as curl takes them, and no_proxy by curl's rules.
#include "agent/net/proxy.hpp"

#include <gtest/gtest.h>

namespace mf::net {
namespace {

TEST(ProxyUrl, HostPortAndCredentials) {
  auto p = parse_proxy_url("http://agent:s%40cret@proxy.example:3128/");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->host, "proxy.example");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->credentials.reveal(), "agent:s@cret");
  EXPECT_EQ(p->describe(), "http://proxy.example:3128") << "never the credentials";
  EXPECT_EQ(parse_proxy_url("proxy.example")->port, 1080) << "curl's default port, and no scheme needed";
  EXPECT_EQ(parse_proxy_url("HTTP://[::1]:8080")->host, "::1");
  EXPECT_EQ(parse_proxy_url("http://[::1]:8080")->describe(), "http://[::1]:8080");
  EXPECT_TRUE(parse_proxy_url("http://user@p:1")->credentials.reveal() == "user:");
}

TEST(ProxyUrl, WhatCannotBeUsedIsNamed) {
  EXPECT_NE(parse_proxy_url("https://p:443").error().message.find("must start with http:// (a TLS or SOCKS proxy is not supported)"),
            std::string::npos);
  EXPECT_NE(parse_proxy_url("socks5://p:1080").error().message.find("not 'socks5://'"), std::string::npos);
  EXPECT_NE(parse_proxy_url("http://p:0").error().message.find("port that is not a number from 1 to 65535"), std::string::npos);
  EXPECT_NE(parse_proxy_url("http://:3128").error().message.find("has no host"), std::string::npos);
  EXPECT_NE(parse_proxy_url("http://[::1:3128").error().message.find("unclosed ["), std::string::npos);
}

TEST(NoProxy, CurlsRules) {
  const std::string list = " example.com, .internal.lan ,10.0.0.7,[::1]";
  EXPECT_TRUE(bypasses_proxy("example.com", list));
  EXPECT_TRUE(bypasses_proxy("api.EXAMPLE.com", list)) << "subdomains, any case";
  EXPECT_FALSE(bypasses_proxy("badexample.com", list)) << "a suffix only at a dot";
  EXPECT_TRUE(bypasses_proxy("host.internal.lan", list));
  EXPECT_TRUE(bypasses_proxy("internal.lan", list)) << "a leading dot is optional";
  EXPECT_TRUE(bypasses_proxy("10.0.0.7", list));
  EXPECT_FALSE(bypasses_proxy("10.0.0.70", list));
  EXPECT_TRUE(bypasses_proxy("::1", list));
  EXPECT_FALSE(bypasses_proxy("collector.tallyfy.com", list));
  EXPECT_TRUE(bypasses_proxy("anything", "*"));
  EXPECT_FALSE(bypasses_proxy("anything", ""));
}

}  // namespace
}  // namespace mf::net
