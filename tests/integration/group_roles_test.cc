// Group roles against a real parleyd: who may promote, demote, kick, mute
// and transfer; a muted member's and an announcement group's plain member's
// CHAT refused with a reason; every change a system message to the members.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

class GroupRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {});
    ASSERT_TRUE(server_);
    for (const char* user : {"alice", "bob", "carol", "dave"}) {
      auto client = std::make_unique<RawTcpClient>(server_->tcp_port());
      ASSERT_TRUE(client->Login(RegisterUser(server_->ws_port(), user))) << user;
      clients_[user] = std::move(client);
    }
    // alice owns the group; bob, carol and dave are plain members.
    ASSERT_EQ(Group("alice", "create", {{"name", "Club"},
                                        {"members", json::array{"bob", "carol", "dave"}}}),
              0);
  }

  // A GROUP op on "club" by `user`; the answer's code (-1: no answer).
  std::int64_t Group(const std::string& user, const std::string& op, json::object fields = {}) {
    fields["op"] = op;
    fields["group_id"] = "club";
    return CodeOf(clients_[user]->Call(7, fields));
  }
  std::int64_t Targets(const std::string& user, const std::string& op,
                       json::array members, json::object fields = {}) {
    fields["members"] = std::move(members);
    return Group(user, op, std::move(fields));
  }
  // A CHAT to the group; its answer.
  json::object Chat(const std::string& user, const std::string& content) {
    auto reply = clients_[user]->Call(2, {{"msg_id", "m" + std::to_string(++sent_)},
                                          {"conversation_id", "group_club"},
                                          {"payload", {{"content", content}}}});
    return reply ? *reply : json::object{{"code", -1}};
  }
  json::object Members(const std::string& user) {
    auto reply = clients_[user]->Call(7, {{"op", "members"}, {"group_id", "club"}});
    return reply ? *reply : json::object{};
  }
  // The events of the system messages `user` pulls, in order.
  std::vector<std::string> Events(const std::string& user) {
    std::vector<std::string> events;
    auto pull = clients_[user]->Call(3, {{"conversation_id", "group_club"}, {"cursor_seq", 0}});
    if (!pull || CodeOf(pull) != 0) return {"pull failed"};
    for (const auto& m : pull->at("payload").as_array()) {
      if (m.at("msg_type").as_int64() != 100) continue;
      const json::value content = json::parse(m.at("content").as_string());
      events.emplace_back(content.at("event").as_string());
    }
    return events;
  }
  static std::int64_t CodeOf(const std::optional<json::object>& reply) {
    return reply ? reply->at("code").as_int64() : -1;
  }
  static std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::unique_ptr<RawTcpClient>> clients_;
  int sent_ = 0;
};

TEST_F(GroupRolesTest, OnlyTheOwnerPromotesAndAdminsModeratePlainMembersOnly) {
  EXPECT_EQ(Targets("bob", "promote", {"carol"}), 403);
  EXPECT_EQ(Targets("bob", "kick", {"carol"}), 403);
  EXPECT_EQ(Targets("bob", "mute", {"carol"}), 403);
  ASSERT_EQ(Targets("alice", "promote", {"bob"}), 0);
  json::object members = Members("carol");
  EXPECT_EQ(members.at("admins"), (json::array{"bob"}));

  EXPECT_EQ(Targets("bob", "kick", {"alice"}), 403);
  EXPECT_EQ(Targets("bob", "promote", {"carol"}), 403);
  EXPECT_EQ(Group("bob", "settings", {{"only_admins_send", true}}), 403);
  EXPECT_EQ(Targets("bob", "kick", {"dave"}), 0);
  EXPECT_EQ(Targets("bob", "unban", {"dave"}), 0);
  ASSERT_EQ(Targets("alice", "demote", {"bob"}), 0);
  EXPECT_EQ(Targets("bob", "kick", {"carol"}), 403);
  EXPECT_EQ(Events("carol"),
            (std::vector<std::string>{"create", "promote", "kick", "unban", "demote"}));
}

TEST_F(GroupRolesTest, AMutedMemberCannotSendUntilUnmuted) {
  ASSERT_EQ(Targets("alice", "promote", {"bob"}), 0);
  const std::int64_t until = NowMs() + 3600 * 1000;
  ASSERT_EQ(Targets("bob", "mute", {"carol"}, {{"until", until}}), 0);
  json::object refused = Chat("carol", "hello?");
  EXPECT_EQ(refused.at("code").as_int64(), 403);
  EXPECT_NE(std::string(refused.at("error").as_string()).find("muted until"), std::string::npos)
      << json::serialize(refused);
  json::object members = Members("dave");
  ASSERT_EQ(members.at("muted").as_array().size(), 1u);
  EXPECT_EQ(members.at("muted").at(0).at("user"), "carol");
  EXPECT_EQ(members.at("muted").at(0).at("until").as_int64(), until);
  EXPECT_EQ(Chat("dave", "still here").at("code").as_int64(), 0);

  ASSERT_EQ(Targets("bob", "unmute", {"carol"}), 0);
  EXPECT_EQ(Chat("carol", "back").at("code").as_int64(), 0);
  // A mute without an end lasts until unmuted; a past end is refused.
  EXPECT_EQ(Targets("bob", "mute", {"carol"}, {{"until", NowMs() - 1000}}), 400);
  ASSERT_EQ(Targets("alice", "mute", {"carol"}), 0);
  EXPECT_EQ(Chat("carol", "hello?").at("code").as_int64(), 403);
  EXPECT_EQ(Events("dave"),
            (std::vector<std::string>{"create", "promote", "mute", "unmute", "mute"}));
}

TEST_F(GroupRolesTest, OnlyAdminsSendBlocksPlainMembersOnly) {
  ASSERT_EQ(Targets("alice", "promote", {"bob"}), 0);
  ASSERT_EQ(Group("alice", "settings", {{"only_admins_send", true}}), 0);
  EXPECT_EQ(Members("carol").at("only_admins_send"), true);
  json::object refused = Chat("carol", "may I?");
  EXPECT_EQ(refused.at("code").as_int64(), 403);
  EXPECT_EQ(refused.at("error"), "only admins may send here");
  EXPECT_EQ(Chat("alice", "announcement").at("code").as_int64(), 0);
  EXPECT_EQ(Chat("bob", "from an admin").at("code").as_int64(), 0);
  // System messages still go out: a plain member may still leave.
  EXPECT_EQ(Group("dave", "leave"), 0);
  ASSERT_EQ(Group("alice", "settings", {{"only_admins_send", false}}), 0);
  EXPECT_EQ(Chat("carol", "now I may").at("code").as_int64(), 0);
}

TEST_F(GroupRolesTest, TransferHandsTheSettingsToTheNewOwner) {
  EXPECT_EQ(Group("bob", "transfer", {{"to", "carol"}}), 403);
  ASSERT_EQ(Group("alice", "transfer", {{"to", "bob"}}), 0);
  json::object members = Members("carol");
  EXPECT_EQ(members.at("owner_id"), "bob");
  EXPECT_EQ(members.at("admins"), (json::array{"alice"}));
  EXPECT_EQ(Group("alice", "settings", {{"join_policy", "open"}}), 403);
  EXPECT_EQ(Group("bob", "settings", {{"join_policy", "open"}}), 0);
  EXPECT_EQ(Targets("alice", "kick", {"bob"}), 403);
  EXPECT_EQ(Events("dave"), (std::vector<std::string>{"create", "transfer", "settings"}));
}

}  // namespace
}  // namespace parley::testing
