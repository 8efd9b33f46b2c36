// base::ScanUtf8 / IsValidUtf8 (Unicode Table 3-7). fuzz/ws_frame_fuzzer.cc
// checks them against Beast's checker on arbitrary bytes.

#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string_view>

namespace parley::base {
namespace {

TEST(Utf8Test, WellFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // stray continuation
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

// A fragment may end inside a code point (incomplete: wait for more), but a
// sequence that no continuation can make valid is invalid at once.
TEST(Utf8Test, ScanTellsACutCodePointFromAnInvalidOne) {
  using Status = Utf8Scan::Status;
  EXPECT_EQ(ScanUtf8("ab\xe2\x82").status, Status::kIncomplete);
  EXPECT_EQ(ScanUtf8("ab\xe2\x82").complete, 2u);
  EXPECT_EQ(ScanUtf8("\xf0\x9f\x98").status, Status::kIncomplete);
  for (std::string_view dead : {"\xed\xa0", "\xf4\x90", "\xe0\x80", "\xf0\x80", "\xc1",
                                "\xf5", "a\x80"}) {
    EXPECT_EQ(ScanUtf8(dead).status, Status::kInvalid) << dead.size();
  }
  EXPECT_EQ(ScanUtf8("ok\xc3\xa9").status, Status::kValid);
}

}  // namespace
}  // namespace parley::base
