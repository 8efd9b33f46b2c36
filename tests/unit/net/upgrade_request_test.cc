#include "net/upgrade_request.h"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(UpgradeCredentials, FromQueryAndHeader) {
  auto c = ParseUpgradeCredentials("/ws?token=abc.def%2Eg&x=1", "");
  EXPECT_EQ(c.token, "abc.def.g");
  EXPECT_EQ(c.insecure_user_id, "");

  c = ParseUpgradeCredentials("/ws?user_id=alice", "");
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.insecure_user_id, "alice");

  c = ParseUpgradeCredentials("/ws?token=from-query", "Bearer from-header");
  EXPECT_EQ(c.token, "from-header");

  c = ParseUpgradeCredentials("/ws", "  bearer   tok  ");
  EXPECT_EQ(c.token, "tok");
}

TEST(UpgradeCredentials, NoneOrUnusable) {
  EXPECT_TRUE(ParseUpgradeCredentials("/ws", "").empty());
  EXPECT_TRUE(ParseUpgradeCredentials("/ws", "Basic dXNlcjpwdw==").empty());
  EXPECT_TRUE(ParseUpgradeCredentials("/ws", "Bearer ").empty());
  EXPECT_TRUE(ParseUpgradeCredentials("not a target", "").empty());
}

TEST(OriginAllowed, EmptyListOrNoOriginAllowsAll) {
  EXPECT_TRUE(OriginAllowed("https://evil.example", {}));
  EXPECT_TRUE(OriginAllowed("", {"https://chat.example"}));
}

TEST(OriginAllowed, ListMatchesExactlyIgnoringCase) {
  const std::vector<std::string> allowed = {"https://chat.example", "http://localhost:8080"};
  EXPECT_TRUE(OriginAllowed("https://CHAT.example", allowed));
  EXPECT_TRUE(OriginAllowed("http://localhost:8080", allowed));
  EXPECT_FALSE(OriginAllowed("https://chat.example.evil", allowed));
  EXPECT_FALSE(OriginAllowed("http://localhost:8081", allowed));
}

TEST(WebSocketVersionSupported, OnlyThirteen) {
  EXPECT_TRUE(WebSocketVersionSupported("13"));
  EXPECT_TRUE(WebSocketVersionSupported(" 13 "));
  for (std::string_view v : {"", "8", "12", "14", "13, 8", "130", "1 3"}) {
    EXPECT_FALSE(WebSocketVersionSupported(v)) << v;
  }
}

TEST(TargetPath, StripsQuery) {
  EXPECT_EQ(TargetPath("/ws?token=x"), "/ws");
  EXPECT_EQ(TargetPath("/metrics"), "/metrics");
}

}  // namespace
}  // namespace parley::net
