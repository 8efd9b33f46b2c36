// SyncClient (and through it Client) against the in-test FakeServer: login,
// send, history, pushes with duplicates and gaps, reconnect, retried sends.

#include "client/sync_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "base/ids.h"
#include "client_fixture.h"

namespace parley::client {
namespace {

using namespace std::chrono_literals;

const std::string kAliceBob = base::PrivateConversationId("alice", "bob");

using Inbox = testing::DeliveryLog;

using SyncClientTest = testing::ClientFixture;

TEST_F(SyncClientTest, LoginSendPushAndHistory) {
  Inbox bob_inbox;
  auto bob = LoggedIn("bob", &bob_inbox);
  auto alice = LoggedIn("alice");

  auto ack = alice->SendTo("bob", "Hello, Bob!");
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->seq, 1);
  EXPECT_EQ(ack->conversation_id, kAliceBob);
  EXPECT_EQ(ack->msg_id.size(), 32u);
  EXPECT_EQ(bob_inbox.WaitFor(1), std::vector<std::int64_t>({1}));

  ASSERT_TRUE(alice->SendTo("bob", "second"));
  auto history = bob->History(kAliceBob, 0, 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].content, "second");  // newest first
  EXPECT_EQ((*history)[1].sender_id, "alice");

  auto conversations = bob->Conversations();
  ASSERT_TRUE(conversations);
  ASSERT_EQ(conversations->size(), 1u);
  EXPECT_EQ((*conversations)[0].unread, 2);
  EXPECT_TRUE(bob->Ack(kAliceBob, 2));
}

TEST_F(SyncClientTest, WrongPasswordThenRetry) {
  SyncClient c(Options());
  auto bad = c.Login("alice", "nope");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, base::Code::kUnauthenticated);
  auto good = c.Login("alice", "pw");
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->token, "tok-alice");
}

TEST_F(SyncClientTest, ServerErrorsComeBackAsValues) {
  auto alice = LoggedIn("alice");
  auto answer = alice->Request(CmdBody(protocol::Cmd::kPush));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, base::Code::kBadRequest);
  EXPECT_EQ(answer.error().message, "unsupported");
}

TEST_F(SyncClientTest, DuplicatePushesAreDeliveredOnceAndGapsArePulled) {
  Inbox inbox;
  auto bob = LoggedIn("bob", &inbox);
  std::int64_t s1 = server_.AppendSilently(kAliceBob, "alice", "one");
  server_.PushTo("bob", kAliceBob, s1);
  server_.PushTo("bob", kAliceBob, s1);  // at-least-once: a duplicate
  server_.SendRaw("bob", 77, R"({"cmd":77,"notice":"unknown to the client"})");
  server_.AppendSilently(kAliceBob, "alice", "two");  // its push is lost
  std::int64_t s3 = server_.AppendSilently(kAliceBob, "alice", "three");
  server_.PushTo("bob", kAliceBob, s3);
  EXPECT_EQ(inbox.WaitFor(3), std::vector<std::int64_t>({1, 2, 3}));
}

TEST_F(SyncClientTest, ReconnectsWithTokenAndFetchesWhatWasMissed) {
  Inbox inbox;
  std::vector<ConnectionState> states;
  std::mutex states_mu;
  auto bob = std::make_unique<SyncClient>(Options());
  bob->SetPushHandler([&](const protocol::Message& m) { inbox.Add(m); });
  bob->SetStateHandler([&](ConnectionState s) {
    std::lock_guard lock(states_mu);
    states.push_back(s);
  });
  ASSERT_TRUE(bob->Login("bob", "pw"));
  server_.PushTo("bob", kAliceBob, server_.AppendSilently(kAliceBob, "alice", "one"));
  ASSERT_EQ(inbox.WaitFor(1).size(), 1u);

  server_.DropAll();
  server_.AppendSilently(kAliceBob, "alice", "while you were away");
  EXPECT_EQ(inbox.WaitFor(2), std::vector<std::int64_t>({1, 2}));
  EXPECT_GE(server_.token_logins(), 1);
  // Requests work again on the new connection.
  EXPECT_TRUE(bob->SendTo("alice", "back"));
  std::lock_guard lock(states_mu);
  ASSERT_GE(states.size(), 2u);
  EXPECT_EQ(states[0], ConnectionState::kReconnecting);
  EXPECT_EQ(states[1], ConnectionState::kOnline);
}

TEST_F(SyncClientTest, SendRetriedAfterReconnectKeepsItsMsgId) {
  auto alice = LoggedIn("alice");
  server_.DropNextChatAnswer();  // stored, but the answer is lost with the connection
  Outgoing m;
  m.to = "bob";
  m.content = "exactly once";
  m.msg_id = "fixed-id-1";
  auto ack = alice->Send(m);
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->seq, 1);
  EXPECT_EQ(ack->msg_id, "fixed-id-1");
  EXPECT_EQ(server_.MessageCount(kAliceBob), 1u);
}

TEST_F(SyncClientTest, UnansweredRequestTimesOut) {
  auto alice = LoggedIn("alice");
  server_.SetMute(true);
  auto answer = alice->Conversations();
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, base::Code::kUnavailable);
}

TEST_F(SyncClientTest, ConnectRefusedFailsLogin) {
  ClientOptions o = Options();
  o.server.port = 1;  // nothing listens on a privileged port here
  SyncClient c(o);
  auto login = c.Login("alice", "pw");
  ASSERT_FALSE(login);
  EXPECT_EQ(login.error().code, base::Code::kUnavailable);
}

}  // namespace
}  // namespace parley::client
