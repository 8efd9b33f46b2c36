// Edits, recalls and reactions against a real parleyd (docs/protocol.md
// "Edits, recalls and reactions"): who may send each, the windows, and that
// every way a device reads the timeline shows the target as it is now, so a
// device that was offline converges on the same state.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr int kEdit = 101;
constexpr int kRecall = 102;
constexpr int kReaction = 103;
const std::string kConv = "private_alice:bob";

class MessageEventsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    server_ = ServerProcess::Start(dir_.path() / "data", std::move(flags));
    ASSERT_TRUE(server_);
  }
  void SetUp() override { Start(); }
  std::unique_ptr<RawTcpClient> Device(const std::string& user) {
    return users_.Device(*server_, user);
  }
  static std::optional<json::object> Chat(RawTcpClient& device, const std::string& conv,
                                          const std::string& msg_id, json::object payload) {
    return device.Call(2, {{"msg_id", msg_id}, {"conversation_id", conv}, {"payload", payload}});
  }
  static std::optional<json::object> Event(RawTcpClient& device, const std::string& conv,
                                           const std::string& msg_id, int msg_type,
                                           std::int64_t target, std::string content = "") {
    return Chat(device, conv, msg_id,
                {{"msg_type", msg_type}, {"target_seq", target}, {"content", content}});
  }
  // seq -> message of a PULL from 0.
  static std::map<std::int64_t, json::object> Pull(RawTcpClient& device, const std::string& conv) {
    std::map<std::int64_t, json::object> out;
    auto page = device.Call(3, {{"conversation_id", conv}, {"cursor_seq", 0}, {"limit", 100}});
    EXPECT_EQ(CodeOf(page), 0);
    if (CodeOf(page) != 0) return out;
    for (const json::value& m : page->at("payload").as_array()) {
      out[m.at("seq").as_int64()] = m.as_object();
    }
    return out;
  }
  static std::string Content(const json::object& m) {
    return std::string(m.at("content").as_string());
  }
  static bool Recalled(const json::object& m) { return m.contains("recalled"); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  RawUsers users_;
};

TEST_F(MessageEventsTest, EditReactAndRecallChangeTheTargetEverywhere) {
  auto alice = Device("alice");
  auto bob = Device("bob");
  ASSERT_EQ(CodeOf(Chat(*alice, kConv, "a1", {{"content", "helo"}})), 0);
  auto edit = Event(*alice, kConv, "a2", kEdit, 1, "hello");
  ASSERT_EQ(CodeOf(edit), 0);
  EXPECT_EQ(edit->at("seq").as_int64(), 2);
  // bob's device gets the message and then the edit event, as PUSHes.
  std::vector<json::object> pushes;
  while (pushes.size() < 2) {
    auto packet = bob->Read(std::chrono::seconds(5));
    ASSERT_TRUE(packet);
    if (packet->at("cmd").as_int64() == 5) pushes.push_back(packet->at("payload").as_object());
  }
  EXPECT_EQ(pushes[1].at("msg_type").as_int64(), kEdit);
  EXPECT_EQ(pushes[1].at("target_seq").as_int64(), 1);
  EXPECT_EQ(Content(pushes[1]), "hello");

  ASSERT_EQ(CodeOf(Event(*bob, kConv, "b1", kReaction, 1, "👍")), 0);
  auto timeline = Pull(*bob, kConv);
  EXPECT_EQ(Content(timeline[1]), "hello");
  EXPECT_EQ(timeline[1].at("edit_seq").as_int64(), 2);
  EXPECT_TRUE(timeline[1].contains("edited_at"));
  EXPECT_EQ(json::serialize(timeline[1].at("reactions")), R"([{"emoji":"👍","users":["bob"]}])");
  // HISTORY shows the same state.
  auto history = bob->Call(8, {{"conversation_id", kConv}, {"limit", 10}});
  ASSERT_EQ(CodeOf(history), 0);
  EXPECT_EQ(json::serialize(history->at("payload").as_array().back()),
            json::serialize(timeline[1]));

  ASSERT_EQ(CodeOf(Event(*alice, kConv, "a3", kRecall, 1)), 0);
  timeline = Pull(*bob, kConv);
  ASSERT_EQ(timeline.size(), 4u);
  EXPECT_TRUE(Recalled(timeline[1]));
  EXPECT_EQ(Content(timeline[1]), "");
  EXPECT_FALSE(timeline[1].contains("reactions"));
  EXPECT_EQ(Content(timeline[2]), "") << "the edit keeps no copy of what was recalled";
  // The conversation list's last message is the recall event itself.
  auto list = bob->Call(9, {});
  ASSERT_EQ(CodeOf(list), 0);
  EXPECT_EQ(list->at("conversations").as_array().at(0).at("last_message").at("msg_type").as_int64(),
            kRecall);
}

TEST_F(MessageEventsTest, OnlyThoseAllowedMayChangeAMessage) {
  auto alice = Device("alice");
  auto bob = Device("bob");
  auto eve = Device("eve");
  ASSERT_EQ(CodeOf(Chat(*alice, kConv, "a1", {{"content", "mine"}})), 0);
  EXPECT_EQ(CodeOf(Event(*bob, kConv, "b1", kEdit, 1, "yours")), 403) << "not the sender";
  EXPECT_EQ(CodeOf(Event(*bob, kConv, "b2", kRecall, 1)), 403) << "not the sender";
  EXPECT_EQ(CodeOf(Event(*eve, kConv, "e1", kEdit, 1, "x")), 403) << "outsider";
  EXPECT_EQ(CodeOf(Event(*eve, kConv, "e2", kReaction, 1, "👍")), 403) << "outsider";
  EXPECT_EQ(CodeOf(Event(*eve, kConv, "e3", kRecall, 1)), 403) << "outsider";

  // Malformed events.
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "x1", kEdit, 9, "no such seq")), 400);
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "x2", kEdit, 0, "no target")), 400);
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "x3", kEdit, 1, "")), 400) << "empty edit";
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "x4", kRecall, 1, "text")), 400);
  EXPECT_EQ(CodeOf(Event(*bob, kConv, "x5", kReaction, 1, std::string(33, 'x'))), 400);
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "x6", 104, 1, "?")), 400) << "no such msg_type";
  EXPECT_EQ(CodeOf(Chat(*alice, kConv, "x7", {{"content", "hi"}, {"target_seq", 1}})), 400);
  ASSERT_EQ(CodeOf(Event(*bob, kConv, "b3", kReaction, 1, "👍")), 0);  // seq 2
  EXPECT_EQ(CodeOf(Event(*bob, kConv, "x8", kReaction, 2, "👍")), 400) << "an event's event";
  EXPECT_EQ(CodeOf(Chat(*bob, kConv, "x9", {{"content", "?"}, {"reply_to", 2}})), 400)
      << "nobody answers an event";

  // A recalled message takes no more edits or reactions.
  ASSERT_EQ(CodeOf(Event(*alice, kConv, "a2", kRecall, 1)), 0);
  EXPECT_EQ(CodeOf(Event(*alice, kConv, "a3", kEdit, 1, "again")), 409);
  EXPECT_EQ(CodeOf(Event(*bob, kConv, "b4", kReaction, 1, "❤️")), 409);
  // Its retry is answered as the first time.
  auto retry = Event(*alice, kConv, "a2", kRecall, 1);
  ASSERT_EQ(CodeOf(retry), 0);
  EXPECT_EQ(retry->at("seq").as_int64(), 3);
}

TEST_F(MessageEventsTest, GroupModeratorsRecallAnyTimeMembersOnlyTheirOwnInTheWindow) {
  server_.reset();
  Start({"--recall-window", "1s", "--edit-window", "1s"});
  auto owner = Device("owner");
  auto admin = Device("admin");
  auto member = Device("member");
  auto kicked = Device("kicked");
  ASSERT_EQ(CodeOf(owner->Call(7, {{"op", "create"}, {"group_id", "g"}, {"name", "g"},
                                   {"members", {"admin", "member", "kicked"}}})),
            0);  // seq 1
  ASSERT_EQ(CodeOf(owner->Call(7, {{"op", "promote"}, {"group_id", "g"}, {"members", {"admin"}}})),
            0);  // seq 2
  const std::string g = "group_g";
  ASSERT_EQ(CodeOf(Chat(*member, g, "m1", {{"content", "one"}})), 0);     // seq 3
  ASSERT_EQ(CodeOf(Chat(*member, g, "m2", {{"content", "two"}})), 0);     // seq 4
  ASSERT_EQ(CodeOf(Chat(*owner, g, "o1", {{"content", "three"}})), 0);    // seq 5
  ASSERT_EQ(CodeOf(Chat(*kicked, g, "k1", {{"content", "four"}})), 0);    // seq 6
  ASSERT_EQ(CodeOf(owner->Call(7, {{"op", "kick"}, {"group_id", "g"}, {"members", {"kicked"}}})),
            0);  // seq 7
  EXPECT_EQ(CodeOf(Event(*kicked, g, "k2", kRecall, 6)), 403) << "kicked";
  EXPECT_EQ(CodeOf(Event(*member, g, "m3", kRecall, 5)), 403) << "a plain member, not its own";
  EXPECT_EQ(CodeOf(Event(*member, g, "m4", kRecall, 3)), 0) << "its own, within the window";
  EXPECT_EQ(CodeOf(Event(*member, g, "m5", kEdit, 4, "two!")), 0) << "within the window";

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(CodeOf(Event(*member, g, "m6", kRecall, 4)), 403) << "window passed";
  EXPECT_EQ(CodeOf(Event(*member, g, "m7", kEdit, 4, "two?")), 403) << "window passed";
  EXPECT_EQ(CodeOf(Event(*member, g, "m4", kRecall, 3)), 0) << "a retry passes after it";
  EXPECT_EQ(CodeOf(Event(*admin, g, "a1", kRecall, 4)), 0) << "an admin, any time";
  EXPECT_EQ(CodeOf(Event(*admin, g, "a2", kRecall, 6)), 0) << "a kicked member's message";
  EXPECT_EQ(CodeOf(Event(*admin, g, "a3", kEdit, 5, "not mine")), 403) << "admins do not edit";
  auto timeline = Pull(*owner, g);
  for (std::int64_t seq : {3, 4, 6}) {
    EXPECT_TRUE(Recalled(timeline[seq])) << seq;
    EXPECT_EQ(Content(timeline[seq]), "") << seq;
  }
  EXPECT_EQ(Content(timeline[5]), "three");
}

TEST_F(MessageEventsTest, AnOfflineDeviceConvergesOnTheSameState) {
  auto alice = Device("alice");
  users_.Token(*server_, "bob");  // registered, never online
  ASSERT_EQ(CodeOf(Chat(*alice, kConv, "a1", {{"content", "first"}})), 0);
  ASSERT_EQ(CodeOf(Chat(*alice, kConv, "a2", {{"content", "secnd"}})), 0);
  ASSERT_EQ(CodeOf(Chat(*alice, kConv, "a3", {{"content", "oops"}})), 0);
  ASSERT_EQ(CodeOf(Event(*alice, kConv, "a4", kEdit, 2, "second")), 0);
  ASSERT_EQ(CodeOf(Event(*alice, kConv, "a5", kReaction, 1, "🎉")), 0);
  ASSERT_EQ(CodeOf(Event(*alice, kConv, "a6", kRecall, 3)), 0);

  // bob was never online: SYNC from 0 brings every entry, the targets in
  // their current state, and the events that explain it.
  auto bob = Device("bob");
  auto sync = bob->Call(6, {{"inbox_seq", 0}});
  ASSERT_EQ(CodeOf(sync), 0);
  std::map<std::int64_t, json::object> synced;
  for (const json::value& e : sync->at("payload").as_array()) {
    synced[e.at("message").at("seq").as_int64()] = e.at("message").as_object();
  }
  ASSERT_EQ(synced.size(), 6u);
  EXPECT_EQ(Content(synced[2]), "second");
  EXPECT_TRUE(Recalled(synced[3]));
  EXPECT_EQ(synced[4].at("target_seq").as_int64(), 2);
  // And it agrees with what alice's device reads.
  auto timeline = Pull(*alice, kConv);
  for (const auto& [seq, message] : timeline) {
    EXPECT_EQ(json::serialize(message), json::serialize(synced[seq])) << seq;
  }
}

}  // namespace
}  // namespace parley::testing
