// Read and delivered receipts against a real parleyd (docs/protocol.md
// "Receipts"): the other members' devices get a few coalesced events, never
// one per ACK; RECEIPTS agrees; unread counts stay exact; a kicked member's
// receipts leave what others see, and outsiders are refused.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <vector>

#include "integration/harness/device.h"
#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ReceiptsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    server_ = ServerProcess::Start(dir_.path() / "data", std::move(flags));
    ASSERT_TRUE(server_);
  }
  // A logged-in device of `user` (registered on first use).
  std::unique_ptr<RawTcpClient> Device(const std::string& user) {
    return users_.Device(*server_, user);
  }
  static json::object Ack(const std::string& conv, std::int64_t seq, const char* kind) {
    return {{"conversation_id", conv}, {"seq", seq}, {"kind", kind}};
  }
  // The `event` events of `device` until `quiet` passes without one.
  static std::vector<json::object> Events(RawTcpClient& device, const std::string& event,
                                          std::chrono::milliseconds quiet = 2500ms) {
    std::vector<json::object> out;
    while (auto packet = device.Read(quiet)) {
      const json::value* name = packet->if_contains("event");
      if (name && name->as_string() == event) out.push_back(*packet);
    }
    return out;
  }
  // user -> (read_seq, delivered_seq), from RECEIPTS.
  static std::map<std::string, std::pair<std::int64_t, std::int64_t>> Receipts(
      RawTcpClient& device, const std::string& conv) {
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> out;
    auto reply = device.Call(11, {{"conversation_id", conv}});
    EXPECT_EQ(CodeOf(reply), 0) << (reply ? json::serialize(*reply) : "no reply");
    if (CodeOf(reply) != 0) return out;
    for (const json::value& r : reply->at("receipts").as_array()) {
      out[std::string(r.at("user_id").as_string())] = {r.at("read_seq").as_int64(),
                                                       r.at("delivered_seq").as_int64()};
    }
    return out;
  }
  static std::int64_t UnreadOf(RawTcpClient& device, const std::string& conv) {
    auto reply = device.Call(9, {});
    if (CodeOf(reply) != 0) return -1;
    for (const json::value& c : reply->at("conversations").as_array()) {
      if (c.at("conversation_id").as_string() == conv) return c.at("unread").as_int64();
    }
    return -1;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  RawUsers users_;
};

TEST_F(ReceiptsTest, ReadingFortyOfFiftyGivesTheSendersDevicesAFewEventsEndingThere) {
  Start();
  auto alice_phone = Device("alice");
  auto alice_laptop = Device("alice");
  auto bob = Device("bob");
  const std::string conv = "private_alice:bob";
  for (int i = 1; i <= 50; ++i) {
    auto sent = alice_phone->Call(2, {{"msg_id", "m" + std::to_string(i)},
                                      {"to", "bob"},
                                      {"payload", {{"content", "hello"}}}});
    ASSERT_EQ(CodeOf(sent), 0);
  }
  // Bob scrolls: one read ACK per message.
  for (int seq = 1; seq <= 40; ++seq) {
    auto acked = bob->Call(4, Ack(conv, seq, "read"));
    ASSERT_EQ(CodeOf(acked), 0);
    EXPECT_EQ(acked->at("last_ack_seq").as_int64(), seq);
  }
  for (RawTcpClient* device : {alice_phone.get(), alice_laptop.get()}) {
    auto events = Events(*device, "read");
    ASSERT_FALSE(events.empty());
    EXPECT_LE(events.size(), 5u) << "coalesced, not one per ACK";
    std::int64_t last = 0;
    for (const json::object& e : events) {
      EXPECT_EQ(e.at("user_id").as_string(), "bob");
      EXPECT_EQ(e.at("conversation_id").as_string(), conv);
      EXPECT_GT(e.at("seq").as_int64(), last);
      last = e.at("seq").as_int64();
    }
    EXPECT_EQ(last, 40);
  }
  EXPECT_TRUE(Events(*bob, "read", 300ms).empty()) << "never to the reader";
  auto receipts = Receipts(*alice_laptop, conv);
  EXPECT_EQ(receipts["bob"], std::make_pair(std::int64_t{40}, std::int64_t{40}));
  EXPECT_EQ(receipts["alice"].first, 50) << "a sender has read its own messages";
  EXPECT_EQ(UnreadOf(*bob, conv), 10);

  // Delivered is not read: bob's device received everything, read 40.
  auto delivered = bob->Call(4, Ack(conv, 50, "delivered"));
  ASSERT_EQ(CodeOf(delivered), 0);
  EXPECT_EQ(delivered->at("last_delivered_seq").as_int64(), 50);
  auto events = Events(*alice_phone, "delivered", 1500ms);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("seq").as_int64(), 50);
  EXPECT_EQ(Receipts(*bob, conv)["bob"], std::make_pair(std::int64_t{40}, std::int64_t{50}));
  EXPECT_EQ(UnreadOf(*bob, conv), 10) << "unread counts only reads";
  // Positions only move forward.
  auto back = bob->Call(4, Ack(conv, 20, "delivered"));
  EXPECT_EQ(back->at("last_delivered_seq").as_int64(), 50);

  // The client library says the same.
  parley::testing::Device app(server_->tcp_port(), users_.Token(*server_, "bob"));
  ASSERT_TRUE(app.client().AckDelivered(conv, 50));
  auto listed = app.client().Receipts(conv);
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].user_id, "bob");
  EXPECT_EQ((*listed)[1].read_seq, 40);
  EXPECT_EQ((*listed)[1].delivered_seq, 50);

  EXPECT_EQ(CodeOf(bob->Call(4, Ack(conv, 5, "seen"))), 400);
  EXPECT_EQ(CodeOf(bob->Call(4, Ack(conv, 51, "delivered"))), 400) << "beyond the last seq";
}

TEST_F(ReceiptsTest, GroupReceiptsListMembersOnlyAndOutsidersAreRefused) {
  Start({"--fanout-threshold", "3"});
  auto alice = Device("alice");
  auto bob = Device("bob");
  auto carol = Device("carol");
  auto eve = Device("eve");
  const std::string conv = "group_trio";
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "create"}, {"group_id", "trio"}, {"name", "trio"},
                                 {"members", {"bob", "carol"}}})),
            0);
  for (int i = 0; i < 5; ++i) {  // seqs 2..6
    ASSERT_EQ(CodeOf(alice->Call(2, {{"msg_id", "g" + std::to_string(i)},
                                   {"conversation_id", conv},
                                   {"payload", {{"content", "hi"}}}})),
              0);
  }
  ASSERT_EQ(CodeOf(bob->Call(4, Ack(conv, 6, "read"))), 0);
  auto events = Events(*carol, "read", 1500ms);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("user_id").as_string(), "bob");
  EXPECT_EQ(events[0].at("seq").as_int64(), 6);
  auto receipts = Receipts(*carol, conv);
  EXPECT_EQ(receipts.size(), 3u);
  EXPECT_EQ(receipts["bob"].first, 6);
  EXPECT_EQ(receipts["carol"].first, 0);

  // Outsiders are refused; a kicked member leaves what others see.
  EXPECT_EQ(CodeOf(eve->Call(11, {{"conversation_id", conv}})), 403);
  EXPECT_EQ(CodeOf(eve->Call(4, Ack(conv, 1, "delivered"))), 403);
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "kick"}, {"group_id", "trio"}, {"members", {"carol"}}})),
            0);
  EXPECT_EQ(CodeOf(carol->Call(11, {{"conversation_id", conv}})), 403);
  EXPECT_EQ(CodeOf(carol->Call(4, Ack(conv, 7, "read"))), 403);
  receipts = Receipts(*alice, conv);
  EXPECT_EQ(receipts.size(), 2u);
  EXPECT_FALSE(receipts.contains("carol"));

  // Above the threshold: no events, and RECEIPTS says why.
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "create"}, {"group_id", "big"}, {"name", "big"},
                                 {"members", {"bob", "carol", "eve"}}})),
            0);
  ASSERT_EQ(CodeOf(bob->Call(4, Ack("group_big", 1, "read"))), 0);
  EXPECT_TRUE(Events(*alice, "read", 1500ms).empty());
  auto refused = alice->Call(11, {{"conversation_id", "group_big"}});
  EXPECT_EQ(CodeOf(refused), 400);
}

}  // namespace
}  // namespace parley::testing
