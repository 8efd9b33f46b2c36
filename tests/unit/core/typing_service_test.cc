// TYPING (cmd 10) through the dispatcher: who hears it, who may send it,
// when it is answered, and the throttle (docs/protocol.md "TYPING").

#include <gtest/gtest.h>

#include "unit/core/core_fixture.h"

namespace parley::core::testing {
namespace {

std::int64_t Code(const json::object& reply) { return reply.at("code").as_int64(); }

class TypingServiceTest : public ::testing::Test, public CoreFixture {
 protected:
  // A TYPING without req_id: the answer, if any (only errors have one).
  std::optional<Reply> Typing(Conn& conn, const std::string& conversation, bool typing) {
    json::object request{{"cmd", 10}, {"conversation_id", conversation}, {"typing", typing}};
    return HandleRaw(conn, json::serialize(request));
  }
  json::object CreateGroup(Conn& owner, const std::string& id, json::array members) {
    return Send(owner, {{"cmd", 7}, {"op", "create"}, {"name", id}, {"group_id", id},
                        {"members", std::move(members)}});
  }
  std::size_t Outcome(base::TypingOutcome outcome) {
    return metrics_.typing_total[base::Metrics::Index(outcome)].load();
  }
};

TEST_F(TypingServiceTest, ReachesEveryDeviceOfTheOthersAndNoneOfTheTypists) {
  auto alice_phone = Connect("alice");
  auto alice_laptop = Connect("alice");
  auto bob_phone = Connect("bob");
  auto bob_laptop = Connect("bob");
  EXPECT_FALSE(Typing(*alice_phone, "private_alice:bob", true)) << "fire and forget: no answer";
  for (Conn* bob : {bob_phone.get(), bob_laptop.get()}) {
    ASSERT_EQ(bob->session->delivered.size(), 1u);
    const json::object& event = bob->session->delivered[0].as_object();
    EXPECT_EQ(event.at("cmd").as_int64(), 10);
    EXPECT_EQ(event.at("event").as_string(), "typing");
    EXPECT_EQ(event.at("conversation_id").as_string(), "private_alice:bob");
    EXPECT_EQ(event.at("user_id").as_string(), "alice");
    EXPECT_EQ(event.at("typing").as_bool(), true);
    EXPECT_FALSE(event.contains("code"));
  }
  EXPECT_TRUE(alice_phone->session->delivered.empty());
  EXPECT_TRUE(alice_laptop->session->delivered.empty());
  EXPECT_EQ(Outcome(base::TypingOutcome::kForwarded), 1u);
}

TEST_F(TypingServiceTest, ARequestWithReqIdIsAnsweredAndToNamesTheOneToOne) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  auto answer = Send(*alice, {{"cmd", 10}, {"req_id", 7}, {"to", "bob"}, {"typing", true}});
  EXPECT_EQ(Code(answer), 0) << json::serialize(answer);
  EXPECT_EQ(answer.at("req_id").as_int64(), 7);
  EXPECT_EQ(answer.at("conversation_id").as_string(), "private_alice:bob");
  ASSERT_EQ(bob->session->delivered.size(), 1u);
  EXPECT_EQ(bob->session->delivered[0].at("user_id").as_string(), "alice");
  // A legacy id reaches the conversation; the event carries the new one.
  json::object legacy{
      {"cmd", 10}, {"req_id", 8}, {"conversation_id", "private_alice_bob"}, {"typing", false}};
  EXPECT_EQ(Code(Send(*alice, legacy)), 0);
  ASSERT_EQ(bob->session->delivered.size(), 2u);
  EXPECT_EQ(bob->session->delivered[1].at("conversation_id").as_string(), "private_alice:bob");
  EXPECT_EQ(bob->session->delivered[1].at("typing").as_bool(), false);
}

TEST_F(TypingServiceTest, BadFieldsAre400EvenWithoutReqId) {
  auto alice = Connect("alice");
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":10,"conversation_id":"private_alice:bob"})")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":10,"to":"bob","typing":"yes"})")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":10,"typing":true})")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":10,"to":"not a user","typing":true})")), 400);
  EXPECT_EQ(Code(SendRaw(*alice, R"({"cmd":10,"conversation_id":"chat_1","typing":true})")), 400);
}

TEST_F(TypingServiceTest, OutsidersAndKickedMembersGet403AndNothingIsForwarded) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  auto eve = Connect("eve");
  ASSERT_EQ(Code(CreateGroup(*alice, "team", {"bob", "eve"})), 0);
  ASSERT_EQ(Code(Send(*alice, {{"cmd", 7}, {"op", "kick"}, {"group_id", "team"},
                               {"members", json::array{"eve"}}})),
            0);
  auto carol = Connect("carol");
  bob->session->delivered.clear();
  alice->session->delivered.clear();
  auto kicked = Typing(*eve, "group_team", true);
  ASSERT_TRUE(kicked);
  EXPECT_EQ(Code(json::parse(kicked->body).as_object()), 403);
  auto outsider = Typing(*carol, "group_team", true);
  ASSERT_TRUE(outsider);
  EXPECT_EQ(Code(json::parse(outsider->body).as_object()), 403);
  EXPECT_EQ(Code(SendRaw(*carol, R"({"cmd":10,"conversation_id":"private_alice:bob",
                                     "typing":true})")),
            403);
  EXPECT_EQ(Code(SendRaw(*carol, R"({"cmd":10,"conversation_id":"group_nope","typing":true})")),
            404);
  EXPECT_TRUE(alice->session->delivered.empty());
  EXPECT_TRUE(bob->session->delivered.empty());
  EXPECT_EQ(Outcome(base::TypingOutcome::kForwarded), 0u);
}

TEST_F(TypingServiceTest, AGroupAboveTheThresholdIsAcceptedAndHearsNothing) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  json::array small{"bob"};
  json::array big;
  for (std::size_t i = 0; i < kFanoutThreshold; ++i) {
    big.push_back(json::value("m" + std::to_string(i)));
  }
  big.push_back("bob");
  for (const auto& m : big) Register(std::string(m.as_string()));
  ASSERT_EQ(Code(CreateGroup(*alice, "small", small)), 0);
  ASSERT_EQ(Code(CreateGroup(*alice, "big", big)), 0);  // threshold + 2 members
  bob->session->delivered.clear();

  EXPECT_EQ(Code(Send(*alice, {{"cmd", 10}, {"req_id", 1}, {"conversation_id", "group_big"},
                               {"typing", true}})),
            0);
  EXPECT_TRUE(bob->session->delivered.empty());
  EXPECT_EQ(Outcome(base::TypingOutcome::kLargeGroup), 1u);
  EXPECT_FALSE(Typing(*alice, "group_small", true));
  ASSERT_EQ(bob->session->delivered.size(), 1u);
  EXPECT_EQ(bob->session->delivered[0].at("conversation_id").as_string(), "group_small");
}

TEST_F(TypingServiceTest, EachConnectionIsThrottled) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(Typing(*alice, "private_alice:bob", true));
  EXPECT_EQ(bob->session->delivered.size(), 1u);
  // A dropped packet that asked for an answer is still accepted.
  EXPECT_EQ(Code(Send(*alice, {{"cmd", 10}, {"req_id", 1}, {"to", "bob"}, {"typing", true}})), 0);
  EXPECT_FALSE(Typing(*alice, "private_alice:bob", false));  // a stop goes out at once
  EXPECT_EQ(bob->session->delivered.size(), 2u);
  clock_.AdvanceMs(TypingThrottle::kInterval.count());
  EXPECT_FALSE(Typing(*alice, "private_alice:bob", true));
  EXPECT_EQ(bob->session->delivered.size(), 3u);
  EXPECT_EQ(Outcome(base::TypingOutcome::kForwarded), 3u);
  EXPECT_EQ(Outcome(base::TypingOutcome::kThrottled), 50u);
}

TEST_F(TypingServiceTest, TypingToOneselfReachesNobody) {
  auto alice = Connect("alice");
  auto other_device = Connect("alice");
  EXPECT_FALSE(Typing(*alice, "private_alice:alice", true));
  EXPECT_TRUE(other_device->session->delivered.empty());
}

}  // namespace
}  // namespace parley::core::testing
