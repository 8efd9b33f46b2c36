// RateLimiter: the token bucket behind docs/protocol.md "Rate limits",
// driven by a fake clock.

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "core/rate_limiter.h"

namespace parley::core {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  base::FakeClock clock_;
};

TEST_F(RateLimiterTest, BurstThenRefusedWithTheWaitForOneToken) {
  RateLimiter limiter(clock_, RateLimit{10, 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  const RateDecision refused = limiter.Admit("alice");
  EXPECT_EQ(refused.verdict, RateVerdict::kRefuse);
  EXPECT_EQ(refused.retry_after_ms, 100);  // one token at 10/s
  clock_.AdvanceMs(99);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kRefuse);
  clock_.AdvanceMs(1);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kRefuse);
}

TEST_F(RateLimiterTest, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter(clock_, RateLimit{1, 1});
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kRefuse);
  EXPECT_EQ(limiter.Admit("bob").verdict, RateVerdict::kAdmit);
}

TEST_F(RateLimiterTest, RefillStopsAtTheBurst) {
  RateLimiter limiter(clock_, RateLimit{100, 2});
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kRefuse);
}

TEST_F(RateLimiterTest, ZeroRateMeansNoLimit) {
  RateLimiter limiter(clock_, RateLimit{0, 0});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Admit("alice").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.TrackedKeysForTest(), 0u);
}

TEST_F(RateLimiterTest, FullBucketsAreForgotten) {
  RateLimiter limiter(clock_, RateLimit{10, 5});
  limiter.Admit("alice");
  limiter.Admit("bob");
  EXPECT_EQ(limiter.TrackedKeysForTest(), 2u);
  clock_.AdvanceMs(1000);  // both full again after 100 ms; the sweep runs once a second
  limiter.Admit("carol");
  EXPECT_EQ(limiter.TrackedKeysForTest(), 1u);
}

TEST_F(RateLimiterTest, BeyondTheKeyCapNewKeysAreAdmittedUntracked) {
  RateLimiter limiter(clock_, RateLimit{1, 1, 2});
  limiter.Admit("a");
  limiter.Admit("b");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Admit("c").verdict, RateVerdict::kAdmit);
  EXPECT_EQ(limiter.TrackedKeysForTest(), 2u);
  EXPECT_EQ(limiter.Admit("a").verdict, RateVerdict::kRefuse);  // tracked keys stay limited
}

}  // namespace
}  // namespace parley::core
