// SyncClient (and through it Client) against the in-test FakeServer: login,
// send, history, pushes with duplicates and gaps, reconnect, retried sends.

#include "client/sync_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
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

// Typing events a client's handler received, for the test thread to wait on.
class TypingLog {
 public:
  void Add(const protocol::TypingEvent& event) {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  // The events so far, once there are at least `n` (or after a timeout).
  std::vector<protocol::TypingEvent> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::TypingEvent> events_;
};

TEST_F(SyncClientTest, TypingWithAnAnswerOrFireAndForget) {
  TypingLog bob_log;
  auto bob = LoggedIn("bob");
  bob->SetTypingHandler([&](const protocol::TypingEvent& e) { bob_log.Add(e); });
  auto alice = LoggedIn("alice");

  ASSERT_TRUE(alice->Typing(kAliceBob, protocol::TypingState::kTyping));
  alice->Async().SendTyping(kAliceBob, protocol::TypingState::kStopped);
  const auto events = bob_log.WaitFor(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], (protocol::TypingEvent{kAliceBob, "alice", protocol::TypingState::kTyping}));
  EXPECT_EQ(events[1].state, protocol::TypingState::kStopped);

  const std::string others = base::PrivateConversationId("bob", "carol");
  auto refused = alice->Typing(others, protocol::TypingState::kTyping);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, base::Code::kForbidden);
  // The error answer to a fire-and-forget packet has no req_id: it is
  // ignored and matches no request.
  alice->Async().SendTyping(others, protocol::TypingState::kTyping);
  EXPECT_TRUE(alice->SendTo("bob", "still fine"));
  EXPECT_EQ(server_.Requests("alice", protocol::Cmd::kTyping), 4);
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
