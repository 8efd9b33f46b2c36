// The RESP codec alone: no server.

#include "redis/resp_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::redis {
namespace {

TEST(RespCodecTest, FormatsCommandsAsArraysOfBulkStrings) {
  std::string out;
  ASSERT_TRUE(AppendCommand(out, {"SET", "k", std::string("a\0b", 3)}));
  using namespace std::string_literals;
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n"s);
  EXPECT_FALSE(AppendCommand(out, {}));
}

TEST(RespCodecTest, ParsesRepliesSplitAcrossReads) {
  ReplyReader reader;
  const std::string wire = "+OK\r\n:42\r\n$-1\r\n*2\r\n$3\r\nfoo\r\n-ERR bad\r\n$5\r\nhello\r\n";
  std::vector<Reply> replies;
  for (char c : wire) {  // one byte at a time: the worst split
    reader.Feed(&c, 1);
    for (;;) {
      auto next = reader.Next();
      ASSERT_TRUE(next);
      if (!*next) break;
      replies.push_back(std::move(**next));
    }
  }
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_TRUE(replies[0].IsStatus());
  EXPECT_EQ(replies[0].str(), "OK");
  EXPECT_EQ(replies[1].integer(), 42);
  EXPECT_TRUE(replies[2].IsNil());
  ASSERT_TRUE(replies[3].IsArray());
  EXPECT_EQ(replies[3].DebugString(), "[\"foo\", (error) ERR bad]");
  EXPECT_EQ(replies[4].str(), "hello");
}

TEST(RespCodecTest, RejectsNonResp) {
  ReplyReader reader;
  reader.Feed("?what\r\n", 7);
  EXPECT_FALSE(reader.Next());
}

}  // namespace
// Found by probing fuzz/redis_resp_fuzzer's reader: hiredis allocated the
// element array of "*2147483647" (16 GiB) before any element arrived.
TEST(RespCodecTest, RefusesAHugeArrayBeforeAllocatingIt) {
  ReplyReader reader;
  const std::string huge = "*2147483647\r\n";
  reader.Feed(huge.data(), huge.size());
  EXPECT_FALSE(reader.Next());
  ReplyReader fine;
  const std::string array = "*2\r\n:1\r\n$1\r\nx\r\n";
  fine.Feed(array.data(), array.size());
  auto reply = fine.Next();
  ASSERT_TRUE(reply && *reply);
  EXPECT_EQ((*reply)->elements().size(), 2u);
}

}  // namespace parley::redis
