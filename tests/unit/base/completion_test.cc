// base/completion.h: a Completion resumes its caller on the caller's
// executor; inside a CompletionBatch, every completion of the batch for one
// executor runs in one handler, posted when the batch ends.

#include "base/completion.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

namespace parley::base {
namespace {

// Starts a coroutine on `io` that suspends until its Completion is called;
// the Completion lands in `pending`, the result in `got`.
void StartWaiter(asio::io_context& io, std::vector<Completion<int>>& pending,
                 std::vector<int>& got) {
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto result =
            co_await Suspend<int>([&](Completion<int> c) { pending.push_back(std::move(c)); });
        got.push_back(result.value());
      },
      asio::detached);
}

TEST(CompletionTest, ResumesTheCallerOnItsExecutorByAPost) {
  asio::io_context io;
  std::vector<Completion<int>> pending;
  std::vector<int> got;
  StartWaiter(io, pending, got);
  io.poll();
  ASSERT_EQ(pending.size(), 1u);
  std::move(pending[0])(7);
  EXPECT_TRUE(got.empty()) << "never inline";
  io.poll();
  EXPECT_EQ(got, std::vector<int>{7});
}

TEST(CompletionTest, ABatchPostsOneHandlerPerExecutorWhenItEnds) {
  asio::io_context a;
  asio::io_context b;
  std::vector<Completion<int>> pending;
  std::vector<int> got_a;
  std::vector<int> got_b;
  for (int i = 0; i < 3; ++i) StartWaiter(a, pending, got_a);
  for (int i = 0; i < 2; ++i) StartWaiter(b, pending, got_b);
  a.poll();
  b.poll();
  ASSERT_EQ(pending.size(), 5u);
  {
    CompletionBatch batch;
    {
      CompletionBatch nested;  // joins the outer batch
      std::move(pending[0])(1);
    }
    for (int i = 1; i < 5; ++i) std::move(pending[static_cast<std::size_t>(i)])(i + 1);
    a.poll();
    b.poll();
    EXPECT_TRUE(got_a.empty() && got_b.empty()) << "held until the batch ends";
  }
  // One handler each resumes every caller of that executor, in order.
  EXPECT_EQ(a.poll_one(), 1u);
  EXPECT_EQ(got_a, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(b.poll_one(), 1u);
  EXPECT_EQ(got_b, (std::vector<int>{4, 5}));
  EXPECT_EQ(CompletionBatch::Current(), nullptr);
}

}  // namespace
}  // namespace parley::base
