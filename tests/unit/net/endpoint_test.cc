#include "net/endpoint.h"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(ParseEndpoint, AcceptsIpv4Ipv6AndShortForms) {
  EXPECT_EQ(FormatEndpoint(ParseEndpoint("0.0.0.0:8090").value()), "0.0.0.0:8090");
  EXPECT_EQ(FormatEndpoint(ParseEndpoint("127.0.0.1:0").value()), "127.0.0.1:0");
  EXPECT_EQ(FormatEndpoint(ParseEndpoint("[::1]:8080").value()), "[::1]:8080");
  EXPECT_EQ(FormatEndpoint(ParseEndpoint("localhost:80").value()), "127.0.0.1:80");
  EXPECT_EQ(FormatEndpoint(ParseEndpoint(":65535").value()), "0.0.0.0:65535");
}

TEST(ParseEndpoint, RejectsWithMessageNamingTheProblem) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  for (const Case& c : {Case{"8080", "missing :PORT"}, Case{"1.2.3.4:", "port"},
                        Case{"1.2.3.4:65536", "port"}, Case{"1.2.3.4:80x", "port"},
                        Case{"::1:80", "brackets"}, Case{"example.com:80", "not an IP address"}}) {
    auto result = ParseEndpoint(c.text);
    ASSERT_FALSE(result) << c.text;
    EXPECT_EQ(result.error().code, base::Code::kBadRequest);
    EXPECT_NE(result.error().message.find(c.message_part), std::string::npos)
        << c.text << ": " << result.error().message;
    EXPECT_NE(result.error().message.find(c.text), std::string::npos);
  }
}

}  // namespace
}  // namespace parley::net
