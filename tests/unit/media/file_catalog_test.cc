#include "media/file_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

using FileCatalogTest = MediaDirTest;

MediaRecord Sample() {
  MediaRecord r;
  r.media_id = NewMediaId();
  r.uploader = "alice";
  r.content_type = "image/png";
  r.size = 1234;
  r.sha256 = std::string(64, 'a');
  r.name = "cat \"1\".png";
  r.width = 800;
  r.height = 400;
  r.thumbnail_id = NewMediaId();
  r.created_at = 42;
  return r;
}

TEST_F(FileCatalogTest, RecordsRoundTrip) {
  FileCatalog catalog(dir_);
  const MediaRecord r = Sample();
  ASSERT_TRUE(catalog.Put(r));
  auto found = catalog.Find(r.media_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(RecordToJson(*found), RecordToJson(r));
  auto missing = catalog.Find(NewMediaId());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  // A second catalog on the same directory (another gateway) sees it.
  FileCatalog other(dir_);
  EXPECT_TRUE(other.Find(r.media_id));
}

TEST_F(FileCatalogTest, CitationsAreCountedPerMessage) {
  FileCatalog catalog(dir_);
  const std::string id = NewMediaId();
  const Citation first{"group_pics", "alice", "m1"};
  const Citation second{"group_pics", "bob", "m/2"};
  const Citation elsewhere{"private_alice:bob", "alice", "m3"};
  ASSERT_TRUE(catalog.Cite(id, first));
  ASSERT_TRUE(catalog.Cite(id, first));  // a retried CHAT
  ASSERT_TRUE(catalog.Cite(id, second));
  ASSERT_TRUE(catalog.Cite(id, elsewhere));
  auto citing = catalog.CitingConversations(id, 10);
  ASSERT_TRUE(citing);
  std::sort(citing->begin(), citing->end());
  EXPECT_EQ(*citing, (std::vector<std::string>{"group_pics", "private_alice:bob"}));

  // One of two citing messages recalled: the group still cites it.
  ASSERT_TRUE(catalog.Release(id, first));
  citing = catalog.CitingConversations(id, 10);
  ASSERT_TRUE(citing);
  EXPECT_EQ(citing->size(), 2u);
  ASSERT_TRUE(catalog.Release(id, second));
  ASSERT_TRUE(catalog.Release(id, second));  // twice: no error
  citing = catalog.CitingConversations(id, 10);
  ASSERT_TRUE(citing);
  EXPECT_EQ(*citing, (std::vector<std::string>{"private_alice:bob"}));
  EXPECT_EQ(catalog.CitingConversations(id, 0)->size(), 0u);
}

}  // namespace
}  // namespace parley::media
