#pragma once
// What every MediaCatalog must do (media/catalog.h), checked the same way
// on each backend: FileCatalog (file_catalog_test.cc) and the MariaDB
// catalog of cluster mode (unit/store_cluster/mysql_media_catalog_test.cc).

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "media/catalog.h"

namespace parley::media {

inline MediaRecord Sample() {
  MediaRecord r;
  r.media_id = NewMediaId();
  r.uploader = "alice";
  r.content_type = "image/png";
  r.size = 1234;
  r.sha256 = std::string(64, 'a');
  r.name = "cat \"1\" \xc3\xa9.png";  // é: not ASCII
  r.width = 800;
  r.height = 400;
  r.thumbnail_id = NewMediaId();
  r.created_at = 42;
  return r;
}

// `catalog` and `other` are two handles on one catalog (two gateways).
inline void ExpectRecordsRoundTrip(MediaCatalog& catalog, MediaCatalog& other) {
  const MediaRecord r = Sample();
  ASSERT_TRUE(catalog.Put(r));
  auto found = catalog.Find(r.media_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(RecordToJson(*found), RecordToJson(r));
  auto missing = catalog.Find(NewMediaId());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  // Another gateway's handle sees it.
  EXPECT_TRUE(other.Find(r.media_id));
}

inline void ExpectCitationsCountedPerMessage(MediaCatalog& catalog) {
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

}  // namespace parley::media
