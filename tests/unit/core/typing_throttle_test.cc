// TypingThrottle: what a connection's TYPING packets become (docs/protocol.md
// "TYPING"), driven by a fake clock.

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "core/typing_throttle.h"

namespace parley::core {
namespace {

using protocol::TypingState;
constexpr TypingState kTyping = TypingState::kTyping;
constexpr TypingState kStopped = TypingState::kStopped;
constexpr std::int64_t kInterval = TypingThrottle::kInterval.count();

class TypingThrottleTest : public ::testing::Test {
 protected:
  TypingVerdict Admit(const std::string& conversation, TypingState state) {
    return throttle_.Admit(conversation, state, clock_.NowMs());
  }
  // How many of `count` packets, one every `step_ms`, are forwarded.
  int Forwarded(const std::string& conversation, TypingState state, int count, int step_ms) {
    int forwarded = 0;
    for (int i = 0; i < count; ++i) {
      forwarded += Admit(conversation, state) == TypingVerdict::kForward;
      clock_.AdvanceMs(step_ms);
    }
    return forwarded;
  }

  base::FakeClock clock_;
  TypingThrottle throttle_;
};

TEST_F(TypingThrottleTest, OneTypingPerIntervalAndConversation) {
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
  clock_.AdvanceMs(kInterval - 1);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kDrop);
  clock_.AdvanceMs(1);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
}

TEST_F(TypingThrottleTest, AStopIsForwardedAtOnceButOnlyOnce) {
  ASSERT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
  clock_.AdvanceMs(10);
  EXPECT_EQ(Admit("c", kStopped), TypingVerdict::kForward);
  EXPECT_EQ(Admit("c", kStopped), TypingVerdict::kDrop);
  // Typing again within the interval of the last forwarded typing waits.
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kDrop);
  clock_.AdvanceMs(kInterval - 10);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
}

TEST_F(TypingThrottleTest, AStopWithNothingForwardedBeforeGoesOutOnce) {
  // Another device of the user may have said "typing": the stop is news.
  EXPECT_EQ(Admit("c", kStopped), TypingVerdict::kForward);
  EXPECT_EQ(Admit("c", kStopped), TypingVerdict::kDrop);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
}

TEST_F(TypingThrottleTest, ConversationsHaveTheirOwnBudget) {
  EXPECT_EQ(Admit("a", kTyping), TypingVerdict::kForward);
  EXPECT_EQ(Admit("b", kTyping), TypingVerdict::kForward);
  EXPECT_EQ(Admit("a", kTyping), TypingVerdict::kDrop);
  EXPECT_EQ(Admit("b", kTyping), TypingVerdict::kDrop);
}

TEST_F(TypingThrottleTest, AFloodForwardsAHandful) {
  // 500 packets within half a second: one event.
  EXPECT_EQ(Forwarded("c", kTyping, 500, 1), 1);
  clock_.AdvanceMs(kInterval);
  // Five seconds of a packet every millisecond: one per interval.
  EXPECT_EQ(Forwarded("c", kTyping, 5000, 1), 3);
  // Alternating states: at most a typing and a stop per interval.
  clock_.AdvanceMs(kInterval);
  int forwarded = 0;
  for (int i = 0; i < 2000; ++i) {
    forwarded += Admit("c", i % 2 == 0 ? kTyping : kStopped) == TypingVerdict::kForward;
    clock_.AdvanceMs(1);
  }
  EXPECT_EQ(forwarded, 2);
}

TEST_F(TypingThrottleTest, TracksABoundedNumberOfConversations) {
  for (std::size_t i = 0; i < TypingThrottle::kMaxConversations; ++i) {
    EXPECT_EQ(Admit("c" + std::to_string(i), kTyping), TypingVerdict::kForward) << i;
  }
  // Every slot is live: one more conversation cannot push another out.
  EXPECT_EQ(Admit("extra", kTyping), TypingVerdict::kDrop);
  EXPECT_EQ(Admit("extra", kStopped), TypingVerdict::kDrop);
  // Entries are forgotten one interval after their last forward.
  clock_.AdvanceMs(kInterval);
  EXPECT_EQ(Admit("extra", kTyping), TypingVerdict::kForward);
  EXPECT_EQ(Admit("c0", kTyping), TypingVerdict::kForward);
}

TEST_F(TypingThrottleTest, AClockSteppingBackDoesNotSilenceAConversation) {
  ASSERT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
  clock_.AdvanceMs(-3'600'000);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kForward);
  EXPECT_EQ(Admit("c", kTyping), TypingVerdict::kDrop);
}

}  // namespace
}  // namespace parley::core
