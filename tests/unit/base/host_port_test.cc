#include "base/host_port.h"

#include <gtest/gtest.h>

namespace parley::base {
namespace {

void ExpectParsed(std::string_view text, std::string_view host, std::uint16_t port) {
  auto parsed = ParseHostPort(text);
  ASSERT_TRUE(parsed) << text << ": " << parsed.error().message;
  EXPECT_EQ(parsed->host, host) << text;
  EXPECT_EQ(parsed->port, port) << text;
}

void ExpectRefused(Result<HostPort> result, std::string_view text, std::string_view why) {
  ASSERT_FALSE(result) << text;
  EXPECT_EQ(result.error().code, Code::kBadRequest);
  EXPECT_NE(result.error().message.find(text), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(why), std::string::npos) << result.error().message;
}

TEST(ParseHostPort, Ipv4Ipv6AndHostnames) {
  ExpectParsed("127.0.0.1:8090", "127.0.0.1", 8090);
  ExpectParsed("[::1]:80", "::1", 80);
  ExpectParsed("[fe80::1%eth0]:6379", "fe80::1%eth0", 6379);
  ExpectParsed("localhost:8080", "localhost", 8080);
  ExpectParsed("redis.internal.example:6379", "redis.internal.example", 6379);
  ExpectParsed(":8080", "", 8080);
  ExpectParsed("0.0.0.0:0", "0.0.0.0", 0);
  ExpectParsed("h:65535", "h", 65535);
}

TEST(ParseHostPort, RefusesAMissingBadOrOutOfRangePort) {
  for (std::string_view text : {"localhost", "8080", ""}) {
    ExpectRefused(ParseHostPort(text), text, "missing :PORT");
  }
  for (std::string_view text : {"h:", "h:65536", "h:99999999999", "h:80x", "h:-1", "h: 80",
                                "h:0x50", "[::1]:"}) {
    ExpectRefused(ParseHostPort(text), text, "port must be a number from 0 to 65535");
  }
}

TEST(ParseHostPort, IPv6NeedsBrackets) {
  for (std::string_view text : {"::1:80", "[::1:80", "::1]:80", "fe80::1:6379"}) {
    ExpectRefused(ParseHostPort(text), text, "brackets");
  }
}

TEST(ParseRemoteHostPort, NeedsAHostAndANonZeroPort) {
  auto parsed = ParseRemoteHostPort("[::1]:6379");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, 6379);
  ExpectRefused(ParseRemoteHostPort(":6379"), ":6379", "missing HOST");
  ExpectRefused(ParseRemoteHostPort("[]:6379"), "[]:6379", "missing HOST");
  ExpectRefused(ParseRemoteHostPort("h:0"), "h:0", "from 1 to 65535");
  ExpectRefused(ParseRemoteHostPort("h:65536"), "h:65536", "port");
  ExpectRefused(ParseRemoteHostPort("h"), "h", "missing :PORT");
}

TEST(FormatHostPort, BracketsIPv6) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 80), "127.0.0.1:80");
  EXPECT_EQ(FormatHostPort("example.com", 8080), "example.com:8080");
  EXPECT_EQ(FormatHostPort("::1", 6379), "[::1]:6379");
  for (std::string_view text : {"127.0.0.1:80", "[::1]:6379", "example.com:1"}) {
    auto parsed = ParseHostPort(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(FormatHostPort(parsed->host, parsed->port), text);
  }
}

}  // namespace
}  // namespace parley::base
