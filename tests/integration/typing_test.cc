// Typing (cmd 10, docs/protocol.md "TYPING") against a real parleyd, on both
// backends: who hears it (every device of the other members, none of the
// typist's), who may send it, groups above the fan-out threshold, a flood,
// and in cluster mode a typist and a reader on two gateways.
//
// "Nothing arrived" is checked with a barrier: a CHAT sent after the typing
// packet reaches each device after anything the typing packet caused, so
// the packets a device reads before that CHAT's push are all it was sent.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "client/sync_client.h"
#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::uint16_t kTyping = 10;
constexpr const char* kAliceBob = "private_alice:bob";

bool IsTypingEvent(const json::object& packet) {
  return packet.at("cmd").as_int64() == kTyping && packet.contains("event");
}

std::size_t TypingEvents(const std::vector<json::object>& packets) {
  return static_cast<std::size_t>(std::count_if(packets.begin(), packets.end(), IsTypingEvent));
}

std::string Describe(const std::vector<json::object>& packets) {
  std::string out;
  for (const json::object& p : packets) out += json::serialize(p) + "\n";
  return out;
}

json::object TypingBody(const std::string& conversation_id, bool typing) {
  return {{"conversation_id", conversation_id}, {"typing", typing}};
}

class TypingTest : public ::testing::Test {
 protected:
  // Groups of more than 3 members get no typing events.
  static constexpr const char* kThreshold = "3";

  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {"--fanout-threshold", kThreshold});
    ASSERT_TRUE(server_);
  }

  const std::string& Token(const std::string& user) {
    std::string& token = tokens_[user];
    if (token.empty()) token = RegisterUser(server_->ws_port(), user);
    EXPECT_FALSE(token.empty()) << server_->Log();
    return token;
  }

  std::unique_ptr<RawTcpClient> LoggedIn(const std::string& user, const ServerProcess& server) {
    auto client = std::make_unique<RawTcpClient>(server.tcp_port());
    EXPECT_TRUE(client->Login(Token(user))) << user;
    return client;
  }
  std::unique_ptr<RawTcpClient> LoggedIn(const std::string& user) {
    return LoggedIn(user, *server_);
  }

  // A TYPING without req_id: answered only when refused.
  static void SendTyping(RawTcpClient& client, const std::string& conversation_id, bool typing) {
    ASSERT_TRUE(client.SendFrame(kTyping, json::serialize(TypingBody(conversation_id, typing))));
  }

  static std::int64_t Chat(RawTcpClient& sender, json::object target, const std::string& text) {
    static int next_msg_id = 0;
    target["msg_id"] = "m" + std::to_string(++next_msg_id);
    target["payload"] = {{"content", text}};
    auto ack = sender.Call(2, target);
    EXPECT_TRUE(ack && ack->at("code").as_int64() == 0) << (ack ? json::serialize(*ack) : "-");
    return ack ? ack->at("code").as_int64() : -1;
  }

  static void CreateGroup(RawTcpClient& owner, const std::string& id,
                          const std::vector<std::string>& members) {
    json::array list(members.begin(), members.end());
    auto created = owner.Call(7, {{"op", "create"}, {"name", id}, {"group_id", id},
                                  {"members", std::move(list)}});
    ASSERT_TRUE(created && created->at("code").as_int64() == 0)
        << (created ? json::serialize(*created) : "-");
  }

  // Every packet `client` reads before the PUSH whose content is `marker`;
  // nullopt when that push does not come.
  static std::optional<std::vector<json::object>> ReadUntilPush(RawTcpClient& client,
                                                                const std::string& marker) {
    std::vector<json::object> before;
    while (auto packet = client.Read()) {
      if (packet->at("cmd").as_int64() == 5 &&
          packet->at("payload").at("content").as_string() == marker) {
        return before;
      }
      before.push_back(std::move(*packet));
    }
    return std::nullopt;
  }

  std::map<std::string, double> Metrics() {
    std::map<std::string, double> samples;
    std::istringstream lines(HttpGet(server_->ws_port(), "/metrics").body);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      const std::size_t space = line.rfind(' ');
      samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
};

// Typing events a client library's handler received.
class TypingLog {
 public:
  void Add(const protocol::TypingEvent& event) {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  std::vector<protocol::TypingEvent> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::TypingEvent> events_;
};

TEST_F(TypingTest, ReachesEveryDeviceOfTheOtherMemberAndNoneOfTheTypists) {
  auto alice_phone = LoggedIn("alice");
  auto alice_laptop = LoggedIn("alice");
  auto bob_phone = LoggedIn("bob");
  RawWsClient bob_browser(server_->ws_port(), "/ws?token=" + Token("bob"));
  ASSERT_TRUE(bob_browser.upgraded()) << bob_browser.response_head();
  ASSERT_TRUE(bob_browser.Send(0x1, R"({"cmd":0})"));  // online once it answers
  ASSERT_EQ(bob_browser.Read().opcode, 0x1);
  // Bob's third device runs the client library.
  client::ClientOptions options;
  options.server = client::Endpoint{"127.0.0.1", server_->tcp_port()};
  client::SyncClient bob_laptop(options);
  TypingLog laptop_log;
  bob_laptop.SetTypingHandler([&](const protocol::TypingEvent& e) { laptop_log.Add(e); });
  ASSERT_TRUE(bob_laptop.LoginWithToken(Token("bob")));

  SendTyping(*alice_phone, kAliceBob, true);
  auto on_phone = bob_phone->Read();
  ASSERT_TRUE(on_phone);
  EXPECT_EQ(json::serialize(*on_phone),
            R"({"cmd":10,"event":"typing","conversation_id":"private_alice:bob",)"
            R"("user_id":"alice","typing":true})");
  const RawWsClient::ServerFrame in_browser = bob_browser.Read();
  ASSERT_EQ(in_browser.opcode, 0x1);
  EXPECT_EQ(json::parse(in_browser.payload).as_object(), *on_phone);
  const auto on_laptop = laptop_log.WaitFor(1);
  ASSERT_EQ(on_laptop.size(), 1u);
  EXPECT_EQ(on_laptop[0],
            (protocol::TypingEvent{kAliceBob, "alice", protocol::TypingState::kTyping}));

  // The library's fire-and-forget stop goes out at once, before the
  // barrier sent on the same connection.
  bob_laptop.Async().SendTyping(kAliceBob, protocol::TypingState::kStopped);
  ASSERT_TRUE(bob_laptop.SendTo("alice", "barrier"));
  for (RawTcpClient* alice : {alice_phone.get(), alice_laptop.get()}) {
    auto before = ReadUntilPush(*alice, "barrier");
    ASSERT_TRUE(before);
    // The stop from bob's laptop, and nothing of alice's own typing: no
    // event, and no answer to a packet without req_id.
    ASSERT_EQ(before->size(), 1u) << Describe(*before);
    EXPECT_EQ(before->front().at("user_id").as_string(), "bob");
    EXPECT_EQ(before->front().at("typing").as_bool(), false);
  }
}

TEST_F(TypingTest, OutsidersAndKickedMembersGet403AndNothingIsForwarded) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  auto eve = LoggedIn("eve");
  auto carol = LoggedIn("carol");
  CreateGroup(*alice, "team", {"bob", "eve"});
  auto kick =
      alice->Call(7, {{"op", "kick"}, {"group_id", "team"}, {"members", json::array{"eve"}}});
  ASSERT_TRUE(kick && kick->at("code").as_int64() == 0);

  // Errors are answered, with or without req_id.
  SendTyping(*eve, "group_team", true);
  auto kicked = eve->Read();
  while (kicked && kicked->at("cmd").as_int64() != kTyping) kicked = eve->Read();  // group pushes
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->at("code").as_int64(), 403);
  json::object asked = TypingBody("group_team", true);
  asked["req_id"] = 41;
  auto outsider = carol->Call(kTyping, asked);
  ASSERT_TRUE(outsider);
  EXPECT_EQ(outsider->at("code").as_int64(), 403);
  EXPECT_EQ(outsider->at("req_id").as_int64(), 41);
  auto not_theirs = carol->Call(kTyping, TypingBody(kAliceBob, true));
  ASSERT_TRUE(not_theirs);
  EXPECT_EQ(not_theirs->at("code").as_int64(), 403);
  auto bad = carol->Call(kTyping, {{"to", "bob"}, {"typing", "yes"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->at("code").as_int64(), 400);

  // A member asking for an answer gets one, with the canonical id.
  asked["req_id"] = 42;
  auto member = alice->Call(kTyping, asked);
  ASSERT_TRUE(member);
  EXPECT_EQ(member->at("code").as_int64(), 0);
  EXPECT_EQ(member->at("conversation_id").as_string(), "group_team");

  Chat(*alice, {{"conversation_id", "group_team"}}, "barrier");
  auto before = ReadUntilPush(*bob, "barrier");
  ASSERT_TRUE(before);
  ASSERT_EQ(TypingEvents(*before), 1u) << Describe(*before);  // alice's only
}

TEST_F(TypingTest, NeverForwardedInAGroupAboveTheThreshold) {
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  for (const char* user : {"carol", "dave"}) Token(user);
  CreateGroup(*alice, "small", {"bob", "carol"});        // 3 members: at the threshold
  CreateGroup(*alice, "big", {"bob", "carol", "dave"});  // 4: above it

  json::object big = TypingBody("group_big", true);
  big["req_id"] = 1;
  auto accepted = alice->Call(kTyping, big);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->at("code").as_int64(), 0) << "accepted, forwarded to nobody";
  SendTyping(*alice, "group_small", true);
  Chat(*alice, {{"conversation_id", "group_big"}}, "barrier");
  auto before = ReadUntilPush(*bob, "barrier");
  ASSERT_TRUE(before);
  ASSERT_EQ(TypingEvents(*before), 1u) << Describe(*before);
  for (const json::object& packet : *before) {
    if (IsTypingEvent(packet)) {
      EXPECT_EQ(packet.at("conversation_id").as_string(), "group_small");
    }
  }
  auto metrics = Metrics();
  EXPECT_EQ(metrics["parley_typing_total{outcome=\"large_group\"}"], 1);
  EXPECT_EQ(metrics["parley_typing_total{outcome=\"forwarded\"}"], 1);
}

TEST_F(TypingTest, AFloodIsThrottledAndTheConnectionStaysOpen) {
  constexpr int kFlood = 500;
  auto alice = LoggedIn("alice");
  auto bob = LoggedIn("bob");
  std::string burst;
  const std::string body = json::serialize(TypingBody(kAliceBob, true));
  for (int i = 0; i < kFlood; ++i) burst += protocol::EncodeFrame(kTyping, body);
  ASSERT_TRUE(alice->SendBytes(burst));

  // Still open and chatting, and nothing came back for the flood (no
  // answers, no 429): the CHAT's answer is the first packet alice reads.
  ASSERT_TRUE(alice->SendFrame(2, json::serialize(json::object{
                                      {"msg_id", "after"},
                                      {"to", "bob"},
                                      {"payload", {{"content", "after the flood"}}}})));
  auto answer = alice->Read();
  ASSERT_TRUE(answer) << server_->Log();
  EXPECT_EQ(answer->at("cmd").as_int64(), 2) << json::serialize(*answer);
  EXPECT_EQ(answer->at("code").as_int64(), 0);

  auto before = ReadUntilPush(*bob, "after the flood");
  ASSERT_TRUE(before);
  // One event per 2 s the burst lasted: a handful at most.
  const std::size_t events = TypingEvents(*before);
  EXPECT_GE(events, 1u);
  EXPECT_LE(events, 3u) << Describe(*before);
  EXPECT_EQ(events, before->size());

  auto metrics = Metrics();
  EXPECT_EQ(metrics["parley_typing_total{outcome=\"forwarded\"}"], static_cast<double>(events));
  EXPECT_EQ(metrics["parley_typing_total{outcome=\"throttled\"}"],
            static_cast<double>(kFlood - static_cast<int>(events)));
  EXPECT_EQ(metrics["parley_request_errors_total"], 0);
}

// Cluster mode: the typist on gw1, a device of each user on gw2.
TEST_F(TypingTest, CrossesGateways) {
  if (!ClusterBackend()) GTEST_SKIP() << "one gateway only in embedded mode";
  auto gw2 = ServerProcess::StartGateway(dir_.path(), "gw2", {"--fanout-threshold", kThreshold});
  ASSERT_TRUE(gw2);
  auto alice = LoggedIn("alice");
  auto alice_gw2 = LoggedIn("alice", *gw2);
  auto bob_gw2 = LoggedIn("bob", *gw2);
  // gw1 routes to gw2 once both sessions' presence is in Redis: until both
  // devices got a push from gw1.
  bool bob_reached = false;
  bool alice_reached = false;
  for (int i = 0; i < 50 && !(bob_reached && alice_reached); ++i) {
    Chat(*alice, {{"to", "bob"}}, "ping");
    bob_reached = bob_reached || bob_gw2->Read(milliseconds(200)).has_value();
    alice_reached = alice_reached || alice_gw2->Read(milliseconds(200)).has_value();
  }
  ASSERT_TRUE(bob_reached && alice_reached) << "gw1 never reached gw2";

  SendTyping(*alice, kAliceBob, true);
  Chat(*alice, {{"to", "bob"}}, "barrier");
  auto bob_saw = ReadUntilPush(*bob_gw2, "barrier");
  auto alice_saw = ReadUntilPush(*alice_gw2, "barrier");
  ASSERT_TRUE(bob_saw && alice_saw);
  EXPECT_EQ(TypingEvents(*bob_saw), 1u) << Describe(*bob_saw);
  EXPECT_EQ(TypingEvents(*alice_saw), 0u) << Describe(*alice_saw);
}

}  // namespace
}  // namespace parley::testing
