// RocksStore-only group behaviour: refused changes inside one writer batch,
// and GetGroup sharing the member list the messages carry. The rules
// themselves are in the conformance suite (store_conformance/store_groups_test.cc).

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;
using core::AppendResult;
using core::GroupOp;
class RocksGroupsTest : public RocksStoreTest {
 protected:
  // The error code of an Append, kOk on success.
  base::Code Try(AppendRequest request) {
    auto r = RunSync(store_->Append(std::move(request)));
    return r ? base::Code::kOk : r.error().code;
  }
  core::GroupInfo Group(const std::string& group_id) {
    return RunSync(store_->GetGroup(group_id)).value();
  }
};

TEST_F(RocksGroupsTest, RefusedOpsDoNotDisturbTheirBatch) {
  std::vector<AppendRequest> requests = {
      Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}),    // ok: 1
      Change(GroupOp::kJoin, "g", "bob", "j1"),                 // 409
      Chat("carol", kG, "m1"),                                  // 403
      Change(GroupOp::kInvite, "g", "alice", "i1", {"carol"}),  // ok: 2
      Chat("carol", kG, "m2"),                                  // ok: 3, a member by now
      Change(GroupOp::kKick, "g", "bob", "k1", {"carol"}),      // 403
      Change(GroupOp::kCreate, "g", "dave", "c2"),              // 409
      Change(GroupOp::kKick, "g", "alice", "k2", {"carol"}),    // ok: 4
      Chat("carol", kG, "m3"),                                  // 403 again
      Chat("alice", kG, "m4"),                                  // ok: 5
  };
  asio::io_context io;
  std::vector<base::Result<AppendResult>> results(requests.size(),
                                                  base::MakeError(base::Code::kInternal, ""));
  {
    auto pause = store_->PauseWriterForTest();
    for (std::size_t i = 0; i < requests.size(); ++i) {
      asio::co_spawn(io, store_->Append(requests[i]),
                     [&results, i](std::exception_ptr, base::Result<AppendResult> r) {
                       results[i] = std::move(r);
                     });
    }
    io.poll();
  }
  io.run();
  EXPECT_EQ(metrics_.store_batches_total.load(), 1u);

  const std::vector<std::int64_t> seqs = {1, 0, 0, 2, 3, 0, 0, 4, 0, 5};
  const std::vector<base::Code> codes = {
      base::Code::kOk,        base::Code::kConflict,  base::Code::kForbidden, base::Code::kOk,
      base::Code::kOk,        base::Code::kForbidden, base::Code::kConflict,  base::Code::kOk,
      base::Code::kForbidden, base::Code::kOk};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(results[i] ? base::Code::kOk : results[i].error().code, codes[i]) << i;
    if (results[i]) {
      EXPECT_EQ(results[i]->seq, seqs[i]) << i;
    }
  }
  EXPECT_EQ(*results[4]->recipients, (Members{"alice", "bob", "carol"}));
  EXPECT_EQ(*results[9]->recipients, (Members{"alice", "bob"}));
  EXPECT_EQ(*Group("g").members, (Members{"alice", "bob"}));
  EXPECT_EQ(RunSync(store_->MaxSeq(kG)).value(), 5);
  auto page = RunSync(store_->ReadAfter(kG, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SeqOf(page.messages[i]), i + 1);
}

// A difference between the backends: RocksStore keeps one member list per
// group in memory, and GetGroup hands out the very list the group's messages
// carry as recipients; the cluster store builds GetGroup's list anew.
TEST_F(RocksGroupsTest, GetGroupSharesTheMessagesMemberList) {
  Send(Change(GroupOp::kCreate, "g", "alice", "c1", {"bob"}));
  AppendResult m1 = Send(Chat("alice", kG, "m1"));
  EXPECT_EQ(m1.recipients.get(), Group("g").members.get());
}

}  // namespace
}  // namespace parley::store::testing
