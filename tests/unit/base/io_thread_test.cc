// base/io_thread.h: Stop lets the loop finish the work it was given, even
// work that is only posted or armed while it stops, and stops a loop that
// would never finish once the grace is over.

#include "base/io_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace parley::base {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

TEST(IoThreadTest, StopRunsWorkPostedBeforeIt) {
  // The shape of closing a Redis connection: a handler posted just before the
  // stop, which sets off more work (a timer, then another post).
  IoThread io("test");
  std::atomic<int> steps{0};
  auto timer = std::make_shared<asio::steady_timer>(io.executor());
  asio::post(io.executor(), [&, timer] {
    steps.fetch_add(1);
    timer->expires_after(milliseconds(50));
    timer->async_wait([&, timer](boost::system::error_code) {
      steps.fetch_add(1);
      asio::post(io.executor(), [&] { steps.fetch_add(1); });
    });
  });
  io.Stop(milliseconds(5000));
  EXPECT_EQ(steps.load(), 3);
}

TEST(IoThreadTest, StopEndsWorkThatNeverFinishesAfterTheGrace) {
  IoThread io("test");
  asio::steady_timer timer(io.executor());
  std::atomic<int> ticks{0};
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code) {
    ticks.fetch_add(1);
    timer.expires_after(milliseconds(5));
    timer.async_wait(tick);
  };
  asio::post(io.executor(), [&] { tick({}); });
  const auto start = std::chrono::steady_clock::now();
  io.Stop(milliseconds(100));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_GT(ticks.load(), 0);
}

TEST(IoThreadTest, StopIsIdempotentAndTheDestructorStopsAnUnstoppedLoop) {
  { IoThread never_stopped("test"); }
  IoThread io("test");
  io.Stop(milliseconds(0));
  io.Stop(milliseconds(1000));
}

}  // namespace
}  // namespace parley::base
