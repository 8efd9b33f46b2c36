// PresenceRegistry: the local sessions and the changes RedisBus writes in
// batches.

#include "cluster/presence_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace parley::cluster {
namespace {

TEST(PresenceRegistry, BatchesAttachesAndDetachesUntilTaken) {
  PresenceRegistry registry;
  registry.Attach("alice", 1);
  registry.Attach("alice", 2);
  registry.Attach("bob", 3);
  registry.Detach("alice", 1);
  registry.Detach("alice", 99);  // not attached: ignored

  PresenceRegistry::Changes changes = registry.TakeChanges();
  ASSERT_EQ(changes.attached.size(), 2u);
  std::sort(changes.attached.begin(), changes.attached.end(),
            [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
  EXPECT_EQ(changes.attached[0].user_id, "alice");
  EXPECT_EQ(changes.attached[0].session_ids, std::vector<std::uint64_t>{2});
  EXPECT_EQ(changes.attached[1].session_ids, std::vector<std::uint64_t>{3});
  ASSERT_EQ(changes.detached.size(), 1u);
  EXPECT_EQ(changes.detached[0], (std::pair<std::string, std::uint64_t>("alice", 1)));

  EXPECT_TRUE(registry.TakeChanges().empty());
  EXPECT_EQ(registry.user_count(), 2u);
}

TEST(PresenceRegistry, AttachThenDetachBeforeAFlushIsOnlyADetach) {
  PresenceRegistry registry;
  registry.Attach("carol", 5);
  registry.Detach("carol", 5);
  PresenceRegistry::Changes changes = registry.TakeChanges();
  EXPECT_TRUE(changes.attached.empty());
  ASSERT_EQ(changes.detached.size(), 1u);
  EXPECT_EQ(registry.user_count(), 0u);
  EXPECT_TRUE(registry.Snapshot().empty());
}

TEST(PresenceRegistry, RestoredChangesComeBack) {
  PresenceRegistry registry;
  registry.Attach("dave", 8);
  registry.Detach("dave", 8);
  registry.Attach("erin", 9);
  PresenceRegistry::Changes failed = registry.TakeChanges();
  registry.Restore(std::move(failed));
  PresenceRegistry::Changes again = registry.TakeChanges();
  EXPECT_EQ(again.attached.size(), 1u);
  EXPECT_EQ(again.detached.size(), 1u);
  EXPECT_EQ(registry.Snapshot().size(), 1u);
}

}  // namespace
}  // namespace parley::cluster
