// Message features against a real parleyd (docs/protocol.md "Message
// object"): a reply names the seq it answers, and every way a device reads
// the timeline carries it.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <map>
#include <optional>
#include <vector>

#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class MessageFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {});
    ASSERT_TRUE(server_);
  }
  // A logged-in device of `user` (registered on first use).
  std::unique_ptr<RawTcpClient> Device(const std::string& user) {
    return users_.Device(*server_, user);
  }
  static std::optional<json::object> Chat(RawTcpClient& device, const std::string& conv,
                                          const std::string& msg_id, json::object payload) {
    return device.Call(2, {{"msg_id", msg_id}, {"conversation_id", conv}, {"payload", payload}});
  }
  // seq -> reply_to (0 when absent) of every message in a PULL from 0.
  static std::map<std::int64_t, std::int64_t> RepliesByPull(RawTcpClient& device,
                                                            const std::string& conv) {
    std::map<std::int64_t, std::int64_t> out;
    auto page = device.Call(3, {{"conversation_id", conv}, {"cursor_seq", 0}, {"limit", 100}});
    EXPECT_EQ(CodeOf(page), 0);
    if (CodeOf(page) != 0) return out;
    for (const json::value& m : page->at("payload").as_array()) out[m.at("seq").as_int64()] = ReplyTo(m);
    return out;
  }
  static std::int64_t ReplyTo(const json::value& message) {
    const json::value* reply_to = message.as_object().if_contains("reply_to");
    return reply_to ? reply_to->as_int64() : 0;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  RawUsers users_;
};

TEST_F(MessageFeaturesTest, AReplyCarriesItsTargetInPushPullHistoryAndSync) {
  auto alice = Device("alice");
  auto bob = Device("bob");
  const std::string conv = "private_alice:bob";
  ASSERT_EQ(CodeOf(Chat(*alice, conv, "a1", {{"content", "lunch?"}})), 0);
  ASSERT_EQ(CodeOf(Chat(*alice, conv, "a2", {{"content", "at noon"}})), 0);
  auto reply = Chat(*bob, conv, "b1", {{"content", "yes"}, {"reply_to", 1}});
  ASSERT_EQ(CodeOf(reply), 0);
  EXPECT_EQ(reply->at("seq").as_int64(), 3);

  // PUSH to the other member.
  std::optional<json::object> push;
  while (auto packet = alice->Read(std::chrono::seconds(5))) {
    if (packet->at("cmd").as_int64() == 5 && packet->at("payload").at("seq").as_int64() == 3) {
      push = packet;
      break;
    }
  }
  ASSERT_TRUE(push);
  EXPECT_EQ(ReplyTo(push->at("payload")), 1);
  // PULL and HISTORY.
  EXPECT_EQ(RepliesByPull(*alice, conv), (std::map<std::int64_t, std::int64_t>{{1, 0}, {2, 0}, {3, 1}}));
  auto history = alice->Call(8, {{"conversation_id", conv}, {"limit", 1}});
  ASSERT_EQ(CodeOf(history), 0);
  EXPECT_EQ(ReplyTo(history->at("payload").as_array().at(0)), 1);
  // A new device's SYNC.
  auto fresh = Device("alice");
  auto sync = fresh->Call(6, {{"inbox_seq", 0}});
  ASSERT_EQ(CodeOf(sync), 0);
  std::map<std::int64_t, std::int64_t> synced;
  for (const json::value& e : sync->at("payload").as_array()) {
    synced[e.at("message").at("seq").as_int64()] = ReplyTo(e.at("message"));
  }
  EXPECT_EQ(synced, (std::map<std::int64_t, std::int64_t>{{1, 0}, {2, 0}, {3, 1}}));

  // A retry must repeat what it answers.
  EXPECT_EQ(CodeOf(Chat(*bob, conv, "b1", {{"content", "yes"}, {"reply_to", 1}})), 0);
  EXPECT_EQ(CodeOf(Chat(*bob, conv, "b1", {{"content", "yes"}, {"reply_to", 2}})), 409);
}

TEST_F(MessageFeaturesTest, AReplyMustAnswerAMessageTheSenderCanRead) {
  auto alice = Device("alice");
  auto bob = Device("bob");
  auto carol = Device("carol");
  const std::string conv = "private_alice:bob";
  ASSERT_EQ(CodeOf(Chat(*alice, conv, "a1", {{"content", "hi"}})), 0);
  EXPECT_EQ(CodeOf(Chat(*bob, conv, "b1", {{"content", "?"}, {"reply_to", 2}})), 400) << "no seq 2";
  EXPECT_EQ(CodeOf(Chat(*bob, conv, "b2", {{"content", "?"}, {"reply_to", -1}})), 400);
  EXPECT_EQ(CodeOf(Chat(*bob, conv, "b3", {{"content", "?"}, {"reply_to", "1"}})), 400);

  // A group member who joined later cannot answer what was said before.
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "create"}, {"group_id", "g"}, {"name", "g"},
                                 {"members", {"bob"}}})),
            0);
  ASSERT_EQ(CodeOf(Chat(*alice, "group_g", "g1", {{"content", "before carol"}})), 0);  // seq 2
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "invite"}, {"group_id", "g"}, {"members", {"carol"}}})),
            0);  // seq 3
  EXPECT_EQ(CodeOf(Chat(*carol, "group_g", "c1", {{"content", "?"}, {"reply_to", 2}})), 400);
  EXPECT_EQ(CodeOf(Chat(*carol, "group_g", "c2", {{"content", "hello"}, {"reply_to", 3}})), 0);
  // An outsider is refused before anything else.
  auto eve = Device("eve");
  EXPECT_EQ(CodeOf(Chat(*eve, "group_g", "e1", {{"content", "?"}, {"reply_to", 2}})), 403);
}

}  // namespace
}  // namespace parley::testing
