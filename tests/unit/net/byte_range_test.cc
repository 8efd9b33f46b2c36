#include "net/byte_range.h"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(ByteRangeTest, SingleRangesOfEveryForm) {
  const ByteRange a = ParseRange("bytes=0-99", 1000);
  EXPECT_EQ(a.kind, RangeKind::kPartial);
  EXPECT_EQ(a.first, 0);
  EXPECT_EQ(a.last, 99);
  const ByteRange open = ParseRange("bytes=900-", 1000);
  EXPECT_EQ(open.kind, RangeKind::kPartial);
  EXPECT_EQ(open.last, 999);
  const ByteRange suffix = ParseRange("bytes=-100", 1000);
  EXPECT_EQ(suffix.first, 900);
  EXPECT_EQ(suffix.last, 999);
  const ByteRange clipped = ParseRange("bytes=990-5000", 1000);
  EXPECT_EQ(clipped.last, 999);
  EXPECT_EQ(ParseRange("bytes=-5000", 1000).first, 0);
}

TEST(ByteRangeTest, BeyondTheEndIsUnsatisfiable) {
  EXPECT_EQ(ParseRange("bytes=1000-", 1000).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 1000).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0).kind, RangeKind::kUnsatisfiable);
}

TEST(ByteRangeTest, MalformedOrMultipleRangesServeTheWholeFile) {
  for (const char* header : {"", "bytes=", "bytes=a-b", "bytes=5-1", "items=0-1", "bytes=0-1,5-6",
                             "bytes=--1", "bytes=1"}) {
    EXPECT_EQ(ParseRange(header, 1000).kind, RangeKind::kWhole) << header;
  }
}

TEST(ByteRangeTest, EtagMatching) {
  EXPECT_TRUE(EtagMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("*", "\"abc\""));
  EXPECT_FALSE(EtagMatches("", "\"abc\""));
  EXPECT_FALSE(EtagMatches("\"abcd\"", "\"abc\""));
}

}  // namespace
}  // namespace parley::net
