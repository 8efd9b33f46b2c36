// parleyctl migrate (docs/operations.md "From one node to a cluster"): an
// embedded node with 10 users, 1:1 and group conversations, an edit, a
// recall, a reaction, a kicked member and an image moves into cluster mode,
// and three gateways serve it: the timelines are the same JSON, seqs go on
// without a hole, device SYNC cursors from the node keep working, old
// msg_ids are still duplicates, tokens and passwords still log in, the
// kicked member stays out and the image downloads. --verify finds the two
// sides identical, a second run copies nothing, and a node still running
// is refused (its store is locked).

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <string>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/command.h"
#include "integration/harness/http_client.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"
#include "integration/harness/test_images.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr const char* kClub = "group_club";

Ran Parleyctl(const std::string& args) {
  return RunCommand(std::string(PARLEYCTL_PATH) + " --json " + args);
}

// Every message of the conversation, oldest first, as the server serializes it.
std::vector<std::string> Timeline(RawTcpClient& device, const std::string& conversation_id) {
  std::vector<std::string> out;
  for (std::int64_t cursor = 0;;) {
    auto page = device.Call(3, {{"conversation_id", conversation_id}, {"cursor_seq", cursor},
                                {"limit", 100}});
    EXPECT_EQ(CodeOf(page), 0) << conversation_id;
    if (CodeOf(page) != 0) return out;
    const json::array& messages = page->at("payload").as_array();
    if (messages.empty()) return out;
    for (const json::value& m : messages) {
      EXPECT_EQ(m.at("seq").as_int64(), static_cast<std::int64_t>(out.size()) + 1)
          << "a hole in " << conversation_id;
      out.push_back(json::serialize(m));
    }
    cursor = static_cast<std::int64_t>(out.size());
  }
}

// SYNC from `cursor` to the end: each entry as "conversation_id/seq".
struct Synced {
  std::vector<std::string> entries;
  std::int64_t next_inbox_seq = 0;
  bool expired = false;
};
Synced SyncFrom(RawTcpClient& device, std::int64_t cursor, std::int64_t limit = 1000) {
  Synced out;
  auto answer = device.Call(6, {{"inbox_seq", cursor}, {"limit", limit}});
  EXPECT_EQ(CodeOf(answer), 0);
  if (CodeOf(answer) != 0) return out;
  for (const json::value& entry : answer->at("payload").as_array()) {
    const json::object& m = entry.at("message").as_object();
    out.entries.push_back(std::string(m.at("conversation_id").as_string()) + "/" +
                          std::to_string(m.at("seq").as_int64()));
  }
  out.next_inbox_seq = answer->at("next_inbox_seq").as_int64();
  out.expired = answer->at("expired").as_bool();
  return out;
}

std::int64_t SeqOf(const std::optional<json::object>& ack) {
  return CodeOf(ack) == 0 ? ack->at("seq").as_int64() : -1;
}

json::object Chat(const std::string& msg_id, const char* key, const std::string& where,
                  const std::string& content, std::int64_t msg_type = 1,
                  std::int64_t target_seq = 0) {
  json::object payload{{"content", content}, {"msg_type", msg_type}};
  if (target_seq != 0) payload["target_seq"] = target_seq;
  return {{"msg_id", msg_id}, {key, where}, {"payload", std::move(payload)}};
}

TEST(MigrateTest, ANodeMovesToThreeGatewaysWithItsHistory) {
  TempDir dir;
  const std::filesystem::path node_dir = dir.path() / "node";
  const std::filesystem::path shared_media = dir.path() / "shared-media";
  ClusterDeps& cluster = DepsFor(dir.path() / "cluster");
  const std::vector<std::string> gateway_flags = cluster.GatewayFlags("unused");
  const std::string target_flags =
      " --redis " + gateway_flags[3] + " --mysql '" + gateway_flags[5] + "'";
  const std::string migrate = "migrate --from " + node_dir.string() + target_flags;

  RawUsers users;
  std::map<std::string, std::vector<std::string>> before;  // conversation -> timeline
  std::map<std::string, std::int64_t> seq_of;              // msg_id -> seq
  std::int64_t u1_cursor = 0;
  std::int64_t u2_mid_cursor = 0;
  std::vector<std::string> u2_after_mid;
  std::string media_id;
  {
    auto node = ServerProcess::Start(node_dir);
    ASSERT_TRUE(node);
    std::map<std::string, std::unique_ptr<RawTcpClient>> device;
    for (int i = 0; i < 10; ++i) {
      const std::string user = "u" + std::to_string(i);
      device[user] = users.Device(*node, user);
    }
    RawTcpClient& u0 = *device["u0"];
    for (int peer = 1; peer <= 4; ++peer) {
      for (int k = 0; k < 5; ++k) {
        const std::string msg_id = "p" + std::to_string(peer) + "-" + std::to_string(k);
        seq_of[msg_id] = SeqOf(u0.Call(2, Chat(msg_id, "to", "u" + std::to_string(peer), msg_id)));
        ASSERT_GT(seq_of[msg_id], 0);
      }
    }
    ASSERT_EQ(CodeOf(u0.Call(7, {{"op", "create"}, {"group_id", "club"}, {"name", "Club"},
                                 {"members", json::array{"u1", "u2", "u3", "u4", "u5"}}})),
              0);
    for (int member = 0; member <= 5; ++member) {
      for (int k = 0; k < 3; ++k) {
        const std::string msg_id = "g" + std::to_string(member) + "-" + std::to_string(k);
        seq_of[msg_id] = SeqOf(device["u" + std::to_string(member)]->Call(
            2, Chat(msg_id, "conversation_id", kClub, msg_id)));
        ASSERT_GT(seq_of[msg_id], 0) << msg_id;
      }
    }
    ASSERT_GT(SeqOf(u0.Call(2, Chat("edit", "conversation_id", kClub, "edited", 101,
                                    seq_of["g0-0"]))),
              0);
    ASSERT_GT(SeqOf(u0.Call(2, Chat("recall", "conversation_id", kClub, "", 102,
                                    seq_of["g0-1"]))),
              0);
    ASSERT_GT(SeqOf(device["u2"]->Call(2, Chat("react", "conversation_id", kClub, "👍", 103,
                                              seq_of["g1-0"]))),
              0);
    ASSERT_EQ(CodeOf(u0.Call(7, {{"op", "kick"}, {"group_id", "club"},
                                 {"members", json::array{"u5"}}})),
              0);
    const HttpResponse upload = HttpRequest(
        node->ws_port(), "POST", "/api/media",
        {{"Authorization", "Bearer " + users.Token(*node, "u0")}}, MakePng(32, 24));
    ASSERT_EQ(upload.status, 200) << upload.body;
    media_id = std::string(json::parse(upload.body).at("media_id").as_string());
    json::object image{{"msg_id", "img"}, {"to", "u1"},
                       {"payload", {{"content", ""}, {"msg_type", 2},
                                    {"media", {{"media_id", media_id}}}}}};
    ASSERT_GT(SeqOf(u0.Call(2, image)), 0);
    ASSERT_EQ(CodeOf(device["u1"]->Call(4, {{"conversation_id", "private_u0:u1"}, {"seq", 3}})), 0);

    before["private_u0:u1"] = Timeline(*device["u1"], "private_u0:u1");
    before["private_u0:u2"] = Timeline(*device["u2"], "private_u0:u2");
    before[kClub] = Timeline(*device["u2"], kClub);
    u1_cursor = SyncFrom(*device["u1"], 0).next_inbox_seq;
    u2_mid_cursor = SyncFrom(*device["u2"], 0, 3).next_inbox_seq;
    u2_after_mid = SyncFrom(*device["u2"], u2_mid_cursor).entries;
    ASSERT_FALSE(u2_after_mid.empty());

    const Ran locked = Parleyctl(migrate);
    EXPECT_EQ(locked.exit_code, 6) << "the running node holds its store's lock";
  }

  const Ran copied = Parleyctl(migrate + " --media-dir " + shared_media.string());
  ASSERT_EQ(copied.exit_code, 0) << copied.out;
  const json::object report = json::parse(copied.out).as_object();
  EXPECT_EQ(report.at("users").as_int64(), 10);
  EXPECT_EQ(report.at("groups").as_int64(), 1);
  EXPECT_EQ(report.at("messages_already_there").as_int64(), 0);
  // 20 private, the group's creation, 18 group messages, 3 events, the kick, the image.
  EXPECT_EQ(report.at("messages_copied").as_int64(), 44);
  EXPECT_GE(report.at("media_files_copied").as_int64(), 1);

  const Ran verified = Parleyctl(migrate + " --verify");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(json::parse(verified.out).at("result").as_string(), "identical") << verified.out;

  const Ran again = Parleyctl(migrate);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(json::parse(again.out).at("messages_copied").as_int64(), 0) << "nothing new to copy";

  std::vector<std::unique_ptr<ServerProcess>> gateways;
  for (const char* id : {"gw1", "gw2", "gw3"}) {
    gateways.push_back(ServerProcess::StartGateway(dir.path() / "cluster", id,
                                                   {"--media-dir", shared_media.string()}));
    ASSERT_TRUE(gateways.back());
  }
  auto on = [&](int gateway, const std::string& user) {
    auto device = std::make_unique<RawTcpClient>(gateways[gateway]->tcp_port());
    EXPECT_TRUE(device->Login(users.Token(*gateways[gateway], user))) << "the node's token of "
                                                                      << user;
    return device;
  };
  auto u0 = on(0, "u0");
  auto u1 = on(1, "u1");
  auto u2 = on(2, "u2");
  auto u3 = on(2, "u3");
  auto u5 = on(0, "u5");

  // The same timelines, byte for byte.
  EXPECT_EQ(Timeline(*u1, "private_u0:u1"), before["private_u0:u1"]);
  EXPECT_EQ(Timeline(*u2, "private_u0:u2"), before["private_u0:u2"]);
  EXPECT_EQ(Timeline(*u2, kClub), before[kClub]);

  // Cursors from the node: u2's mid-way cursor reads the rest of its old
  // inbox; u1's cursor at the end sees only what comes now.
  const Synced u2_rest = SyncFrom(*u2, u2_mid_cursor);
  EXPECT_FALSE(u2_rest.expired);
  EXPECT_EQ(u2_rest.entries, u2_after_mid);
  const Synced u1_nothing = SyncFrom(*u1, u1_cursor);
  EXPECT_FALSE(u1_nothing.expired);
  EXPECT_TRUE(u1_nothing.entries.empty());

  // Seqs go on; the new message is the one entry after u1's old cursor.
  const std::int64_t next = SeqOf(u0->Call(2, Chat("new-1", "to", "u1", "after the move")));
  EXPECT_EQ(next, static_cast<std::int64_t>(before["private_u0:u1"].size()) + 1);
  const Synced u1_new = SyncFrom(*u1, u1_cursor);
  EXPECT_FALSE(u1_new.expired);
  EXPECT_EQ(u1_new.entries, std::vector<std::string>{"private_u0:u1/" + std::to_string(next)});
  EXPECT_EQ(SeqOf(u3->Call(2, Chat("new-g", "conversation_id", kClub, "hello cluster"))),
            static_cast<std::int64_t>(before[kClub].size()) + 1);

  // An old msg_id is still a duplicate, and takes no seq.
  EXPECT_EQ(SeqOf(u0->Call(2, Chat("p1-0", "to", "u1", "p1-0"))), seq_of["p1-0"]);
  EXPECT_EQ(SeqOf(u0->Call(2, Chat("new-2", "to", "u1", "next"))), next + 1);

  // The kicked member stays out; a password logs in; the image downloads.
  EXPECT_EQ(CodeOf(u5->Call(2, Chat("late", "conversation_id", kClub, "let me in"))), 403);
  const HttpResponse login =
      HttpRequest(gateways[1]->ws_port(), "POST", "/api/login", {},
                  R"({"user_id":"u4","password":"secret-pw"})");
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(HttpRequest(gateways[2]->ws_port(), "GET", "/api/media/" + media_id,
                        {{"Authorization", "Bearer " + users.Token(*gateways[2], "u1")}})
                .status,
            200);
}

}  // namespace
}  // namespace parley::testing
