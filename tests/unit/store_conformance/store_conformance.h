#pragma once
// The Store conformance suite: every case runs against each backend
// (docs/design.md "Deployment modes": tests run the core against both). A binary links the cases
// (store_*_test.cc) and instantiate.cc, built for one backend. Cases drive
// the store through core::Store only, from a thread pool of their own as the
// gateways do; what one backend does differently is tested in that backend's
// own tests (tests/unit/store/, tests/unit/store_cluster/).

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness/io_threads.h"
#include "unit/store_conformance/store_backend.h"
#include "unit/store_conformance/store_requests.h"

namespace parley::store::testing {

namespace asio = boost::asio;

class StoreConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    backend_->Reopen(options_);
  }
  void TearDown() override { backend_.reset(); }

  void Reopen() { backend_->Reopen(options_); }
  core::Store& store() { return backend_->store(); }
  base::FakeClock& clock() { return backend_->clock(); }

  template <class T>
  T Run(asio::awaitable<T> awaitable) {
    return parley::testing::RunOn(caller_, std::move(awaitable));
  }
  core::AppendResult Send(core::AppendRequest request) {
    auto r = Run(store().Append(std::move(request)));
    EXPECT_TRUE(r) << r.error().message;
    return r.value();
  }
  // A message stamped with the fake clock's time, as the core stamps it.
  core::AppendResult SendNow(core::AppendRequest request) {
    return Send(At(std::move(request), clock().NowMs()));
  }
  // The error code of an Append, kOk on success.
  base::Code Try(core::AppendRequest request) {
    auto r = Run(store().Append(std::move(request)));
    return r ? base::Code::kOk : r.error().code;
  }
  core::GroupInfo Group(const std::string& group_id) {
    return Run(store().GetGroup(group_id)).value();
  }
  bool Lists(const std::string& user, const std::string& conversation_id) {
    for (const auto& c : Run(store().ListConversations(user)).value()) {
      if (c.conversation_id == conversation_id) return true;
    }
    return false;
  }
  // The user's ack position in the conversation; -1 when it is not listed.
  std::int64_t AckOf(const std::string& user, const std::string& conversation_id) {
    for (const auto& c : Run(store().ListConversations(user)).value()) {
      if (c.conversation_id == conversation_id) return c.last_ack_seq;
    }
    return -1;
  }
  core::InboxPage Inbox(const std::string& user, std::int64_t after, std::size_t limit = 100) {
    return Run(store().ReadInbox(user, after, limit)).value();
  }

  BackendOptions options_;
  parley::testing::IoThreads caller_{2};
  std::unique_ptr<StoreBackend> backend_;
};

// The three families of cases, one file each.
class StoreMessagesTest : public StoreConformanceTest {};
class StoreGroupsTest : public StoreConformanceTest {};
class StoreInboxTest : public StoreConformanceTest {
 protected:
  void SetUp() override {
    options_.inbox_retention = std::chrono::hours(1);
    StoreConformanceTest::SetUp();
  }
};

// Names a case's instantiation after its backend ("…/rocks", "…/cluster").
inline std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

}  // namespace parley::store::testing
