// The inbox row format (inbox_run.h): a run round-trips, a row of an older
// version reads as a run of one, and corrupt values are refused, not misread.

#include "store/rocks/inbox_run.h"

#include <gtest/gtest.h>

#include <string>

#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

TEST(InboxRunTest, RoundTrips) {
  InboxRunBuilder builder(7);
  EXPECT_TRUE(builder.empty());
  builder.Add("private_a_b", 3, 1000);
  builder.Add("group_g", 41, 1002);
  builder.Add("private_a_b", 4, 1001);
  EXPECT_EQ(builder.last_inbox_seq(), 9);

  const auto run = ParseInboxRun(9, builder.Value());
  ASSERT_TRUE(run);
  EXPECT_EQ(run->first_inbox_seq, 7);
  EXPECT_EQ(run->newest_send_time, 1002);
  ASSERT_EQ(run->entries.size(), 3u);
  EXPECT_EQ(run->entries[0].inbox_seq, 7);
  EXPECT_EQ(run->entries[0].conversation_id, "private_a_b");
  EXPECT_EQ(run->entries[0].seq, 3);
  EXPECT_EQ(run->entries[1].inbox_seq, 8);
  EXPECT_EQ(run->entries[1].conversation_id, "group_g");
  EXPECT_EQ(run->entries[1].seq, 41);
  EXPECT_EQ(run->entries[2].inbox_seq, 9);
  EXPECT_EQ(run->entries[2].seq, 4);
  EXPECT_EQ(InboxRunNewestTime(builder.Value()), 1002);
}

TEST(InboxRunTest, ReadsAnOlderVersionsRowAsARunOfOne) {
  const std::string legacy = keys::EncodeU64(12) + keys::EncodeU64(5000) + "private_a_b";
  const auto run = ParseInboxRun(30, legacy);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->first_inbox_seq, 30);
  EXPECT_EQ(run->newest_send_time, 5000);
  ASSERT_EQ(run->entries.size(), 1u);
  EXPECT_EQ(run->entries[0].inbox_seq, 30);
  EXPECT_EQ(run->entries[0].conversation_id, "private_a_b");
  EXPECT_EQ(run->entries[0].seq, 12);
  EXPECT_EQ(InboxRunNewestTime(legacy), 5000);
}

TEST(InboxRunTest, RefusesCorruptValues) {
  InboxRunBuilder builder(5);
  builder.Add("private_a_b", 1, 1000);
  builder.Add("private_a_b", 2, 1000);
  const std::string good = builder.Value();
  ASSERT_TRUE(ParseInboxRun(6, good));

  EXPECT_FALSE(ParseInboxRun(7, good)) << "entries end before the key's inbox_seq";
  EXPECT_FALSE(ParseInboxRun(5, good)) << "entries run past the key's inbox_seq";
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(ParseInboxRun(6, good.substr(0, cut))) << "cut at " << cut;
  }
  std::string huge_length = good;
  huge_length[1 + 8 + 8 + 8] = '\x7f';  // the first entry's length
  EXPECT_FALSE(ParseInboxRun(6, huge_length));
  EXPECT_FALSE(ParseInboxRun(6, ""));
  EXPECT_FALSE(InboxRunNewestTime(""));
  EXPECT_FALSE(InboxRunNewestTime(std::string("\x01\x00", 2)));
  EXPECT_FALSE(ParseInboxRun(1, keys::EncodeU64(1) + keys::EncodeU64(2))) << "legacy, no conv";
}

}  // namespace
}  // namespace parley::store
