#include "core/page_budget.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

auto Size = [](const std::string& s) { return s.size(); };

TEST(PageBudget, KeepsSmallPagesWhole) {
  std::vector<std::string> items(200, std::string(4096, 'x'));
  bool has_more = false;
  TrimToBudget(items, has_more, Size);
  EXPECT_EQ(items.size(), 200u);
  EXPECT_FALSE(has_more);
}

TEST(PageBudget, StopsAtAboutOneMebibyteAndSaysThereIsMore) {
  std::vector<std::string> items(10, std::string(300 * 1024, 'x'));
  bool has_more = false;
  TrimToBudget(items, has_more, Size);
  EXPECT_EQ(items.size(), 3u);
  EXPECT_TRUE(has_more);
}

TEST(PageBudget, AlwaysKeepsOneItemSoPagingMovesOn) {
  std::vector<std::string> items(3, std::string(2 * 1024 * 1024, 'x'));
  bool has_more = false;
  TrimToBudget(items, has_more, Size);
  EXPECT_EQ(items.size(), 1u);
  EXPECT_TRUE(has_more);
}

}  // namespace
}  // namespace parley::core
