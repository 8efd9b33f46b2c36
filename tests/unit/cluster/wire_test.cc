// The bytes RedisBus writes to Redis and sends between gateways.

#include "cluster/wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::cluster {
namespace {

std::vector<const std::string*> Pointers(const std::vector<std::string>& users) {
  std::vector<const std::string*> out;
  for (const std::string& user : users) out.push_back(&user);
  return out;
}

TEST(ClusterWire, KeysAndChannels) {
  EXPECT_EQ(SessionKey("im:", "alice"), "im:session:alice");
  EXPECT_EQ(GatewayChannel("im:", "gw1"), "im:gw:gw1");
  EXPECT_EQ(SessionKey("test7:", "bob"), "test7:session:bob");
}

TEST(ClusterWire, PresenceFieldsNameTheGatewayAndValuesCarryADeadline) {
  EXPECT_EQ(PresenceField("gw1", 42), "gw1/42");
  EXPECT_NE(PresenceField("gw1", 7), PresenceField("gw2", 7));
  const std::string value = PresenceValue("gw-a|b", std::chrono::milliseconds(1700000000123));
  EXPECT_EQ(value, "gw-a|b|1700000000123");
  std::optional<PresenceEntry> entry = ParsePresenceValue(value);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->gateway_id, "gw-a|b");
  EXPECT_EQ(entry->deadline.count(), 1700000000123);
  EXPECT_FALSE(ParsePresenceValue("gw1"));
  EXPECT_FALSE(ParsePresenceValue("|123"));
  EXPECT_FALSE(ParsePresenceValue("gw1|12x"));
  EXPECT_FALSE(ParsePresenceValue("gw1|"));
}

TEST(ClusterWire, RemotePacketRoundTripsWithBinaryBody) {
  const std::vector<std::string> users = {"alice", "bob.b", std::string(64, 'z')};
  const std::string body("{\"cmd\":5}\0\r\n", 12);
  auto pointers = Pointers(users);
  std::optional<std::string> payload = EncodeRemotePacket(pointers, 5, body);
  ASSERT_TRUE(payload);
  std::optional<RemotePacket> packet = DecodeRemotePacket(*payload);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->cmd, 5);
  EXPECT_EQ(packet->user_ids, users);
  EXPECT_EQ(packet->body, body);

  // No users, empty body, a cmd above 255.
  std::optional<std::string> empty = EncodeRemotePacket({}, 300, "");
  ASSERT_TRUE(empty);
  std::optional<RemotePacket> back = DecodeRemotePacket(*empty);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cmd, 300);
  EXPECT_TRUE(back->user_ids.empty());
  EXPECT_TRUE(back->body.empty());
}

TEST(ClusterWire, RejectsWhatItCannotEncodeOrDecode) {
  const std::vector<std::string> long_id = {std::string(256, 'x')};
  auto pointers = Pointers(long_id);
  EXPECT_FALSE(EncodeRemotePacket(pointers, 5, "{}"));

  const std::vector<std::string> users = {"alice", "bob"};
  auto two = Pointers(users);
  const std::string payload = *EncodeRemotePacket(two, 5, "{}");
  EXPECT_FALSE(DecodeRemotePacket(""));
  EXPECT_FALSE(DecodeRemotePacket("X" + payload.substr(1)));
  // Truncated inside the user list.
  EXPECT_FALSE(DecodeRemotePacket(payload.substr(0, 8)));
  EXPECT_FALSE(DecodeRemotePacket(payload.substr(0, 4)));
  // A zero-length user id.
  std::string zero = payload;
  zero[5] = '\0';
  EXPECT_FALSE(DecodeRemotePacket(zero));
}

}  // namespace
}  // namespace parley::cluster
