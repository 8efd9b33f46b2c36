// The inbox row format (inbox_run.h): a run round-trips, a row of an older
// version reads as a run of one, and corrupt values are refused, not misread.

#include "store/rocks/inbox_run.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

TEST(InboxRunTest, RoundTrips) {
  InboxRunBuilder builder(7);
  EXPECT_TRUE(builder.empty());
  builder.Add("private_a:b", 3, 1000);
  builder.Add("group_g", 41, 1002);
  builder.Add("private_a:b", 4, 1001);
  EXPECT_EQ(builder.last_inbox_seq(), 9);

  const std::string value = builder.Value();  // the parsed run points into it
  const auto run = ParseInboxRun(9, value);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->first_inbox_seq, 7);
  EXPECT_EQ(run->newest_send_time, 1002);
  ASSERT_EQ(run->entries.size(), 3u);
  EXPECT_EQ(run->entries[0].inbox_seq, 7);
  EXPECT_EQ(run->entries[0].conversation_id, "private_a:b");
  EXPECT_EQ(run->entries[0].seq, 3);
  EXPECT_EQ(run->entries[1].inbox_seq, 8);
  EXPECT_EQ(run->entries[1].conversation_id, "group_g");
  EXPECT_EQ(run->entries[1].seq, 41);
  EXPECT_EQ(run->entries[2].inbox_seq, 9);
  EXPECT_EQ(run->entries[2].seq, 4);
  EXPECT_EQ(InboxRunNewestTime(builder.Value()), 1002);
}

TEST(InboxRunTest, ReadsAnOlderVersionsRowAsARunOfOne) {
  const std::string legacy = keys::EncodeU64(12) + keys::EncodeU64(5000) + "private_a:b";
  const auto run = ParseInboxRun(30, legacy);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->first_inbox_seq, 30);
  EXPECT_EQ(run->newest_send_time, 5000);
  ASSERT_EQ(run->entries.size(), 1u);
  EXPECT_EQ(run->entries[0].inbox_seq, 30);
  EXPECT_EQ(run->entries[0].conversation_id, "private_a:b");
  EXPECT_EQ(run->entries[0].seq, 12);
  EXPECT_EQ(InboxRunNewestTime(legacy), 5000);
}

TEST(InboxRunTest, RefusesCorruptValues) {
  InboxRunBuilder builder(5);
  builder.Add("private_a:b", 1, 1000);
  builder.Add("private_a:b", 2, 1000);
  const std::string good = builder.Value();
  ASSERT_TRUE(ParseInboxRun(6, good));

  EXPECT_FALSE(ParseInboxRun(7, good)) << "entries end before the key's inbox_seq";
  EXPECT_FALSE(ParseInboxRun(5, good)) << "entries run past the key's inbox_seq";
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(ParseInboxRun(6, good.substr(0, cut))) << "cut at " << cut;
  }
  std::string huge_length = good;
  huge_length[1 + 8 + 8] = '\x7f';  // the first entry's length
  EXPECT_FALSE(ParseInboxRun(6, huge_length));
  EXPECT_FALSE(ParseInboxRun(6, ""));
  EXPECT_FALSE(InboxRunNewestTime(""));
  EXPECT_FALSE(InboxRunNewestTime(std::string("\x01\x00", 2)));
  EXPECT_FALSE(ParseInboxRun(1, keys::EncodeU64(1) + keys::EncodeU64(2))) << "legacy, no conv";

  const std::string header = '\x02' + keys::EncodeU64(5) + keys::EncodeU64(1000);
  EXPECT_FALSE(ParseInboxRun(5, header + std::string("\x00\x01", 2)))
      << "'same conversation' with no entry before";
  EXPECT_FALSE(ParseInboxRun(5, header + "\x01g\x80")) << "truncated seq varint";
  EXPECT_FALSE(ParseInboxRun(5, header + std::string("\x01g\x00", 3))) << "seq 0";
  EXPECT_FALSE(ParseInboxRun(5, header + std::string(11, '\xff'))) << "varint over 64 bits";
  std::string unknown = good;
  unknown[0] = '\x07';
  EXPECT_FALSE(ParseInboxRun(6, unknown)) << "unknown format";
  EXPECT_FALSE(InboxRunNewestTime(unknown));
}

// A batch of messages to one group gives each member a run of one
// conversation: its id is spelled out once.
TEST(InboxRunTest, ARunOfOneConversationSpellsItsIdOnce) {
  const std::string group = "group_0123456789abcdef";
  InboxRunBuilder builder(100);
  for (int i = 0; i < 10; ++i) builder.Add(group, 5000 + i, 1000 + i);
  builder.Add("private_a:b", 7, 2000);
  builder.Add(group, 5010, 2001);
  const std::string value = builder.Value();
  // Header 17; the group 1+22+2; 9 more of it at 1+2; the private one 1+11+1;
  // the group again, spelled out after another conversation: 1+22+2.
  EXPECT_EQ(value.size(), 17u + 25u + 9u * 3u + 13u + 25u);
  const auto run = ParseInboxRun(111, value);
  ASSERT_TRUE(run);
  ASSERT_EQ(run->entries.size(), 12u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(run->entries[static_cast<std::size_t>(i)].conversation_id, group);
    EXPECT_EQ(run->entries[static_cast<std::size_t>(i)].seq, 5000 + i);
    EXPECT_EQ(run->entries[static_cast<std::size_t>(i)].inbox_seq, 100 + i);
  }
  EXPECT_EQ(run->entries[10].conversation_id, "private_a:b");
  EXPECT_EQ(run->entries[10].seq, 7);
  EXPECT_EQ(run->entries[11].conversation_id, group);
  EXPECT_EQ(run->entries[11].seq, 5010);
  EXPECT_EQ(run->newest_send_time, 2001);
}

// Rows an older version wrote as format 0x01 (ids always spelled out, fixed
// width numbers) still read.
TEST(InboxRunTest, ReadsTheFixedWidthRunsOfAnOlderVersion) {
  auto fixed_entry = [](std::int64_t seq, const std::string& conversation) {
    std::string e = keys::EncodeU64(static_cast<std::uint64_t>(seq));
    const auto length = static_cast<std::uint32_t>(conversation.size());
    for (int shift = 24; shift >= 0; shift -= 8) e.push_back(static_cast<char>(length >> shift));
    return e + conversation;
  };
  const std::string value = '\x01' + keys::EncodeU64(20) + keys::EncodeU64(3000) +
                            fixed_entry(8, "group_g") + fixed_entry(9, "group_g");
  const auto run = ParseInboxRun(21, value);
  ASSERT_TRUE(run);
  ASSERT_EQ(run->entries.size(), 2u);
  EXPECT_EQ(run->entries[0].inbox_seq, 20);
  EXPECT_EQ(run->entries[0].conversation_id, "group_g");
  EXPECT_EQ(run->entries[1].seq, 9);
  EXPECT_EQ(InboxRunNewestTime(value), 3000);
  EXPECT_FALSE(ParseInboxRun(22, value));
}

// Found by fuzz/inbox_run_fuzzer: the older formats took a seq below 1,
// which the compact format cannot hold, so the id migration rewrote such a
// run into a row nothing could read. Every format now refuses it (the row
// is corrupt, and the migration leaves a corrupt row alone).
TEST(InboxRunTest, EveryFormatRefusesASeqBelowOne) {
  std::string fixed_entry = keys::EncodeU64(static_cast<std::uint64_t>(-5));
  fixed_entry += std::string("\0\0\0\7", 4) + "group_g";
  EXPECT_FALSE(
      ParseInboxRun(20, '\x01' + keys::EncodeU64(20) + keys::EncodeU64(3000) + fixed_entry));
  EXPECT_FALSE(ParseInboxRun(12, keys::EncodeU64(0) + keys::EncodeU64(5000) + "group_g"));
}

// A corrupt first_inbox_seq at the top of int64 made counting a second
// entry overflow its inbox_seq (undefined behaviour; UBSan in fuzz/).
TEST(InboxRunTest, RefusesEntriesPastTheKeysInboxSeq) {
  constexpr std::int64_t kTop = std::numeric_limits<std::int64_t>::max();
  const std::string value = '\x02' + keys::EncodeU64(kTop) + keys::EncodeU64(3000) +
                            "\x07group_g\x01" + std::string("\x00\x02", 2);
  EXPECT_FALSE(ParseInboxRun(kTop, value));
}

}  // namespace
}  // namespace parley::store
