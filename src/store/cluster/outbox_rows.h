#pragma once
// The cluster store's webhook outbox in MySQL (table webhook_outbox, see
// schema.cc): rows inserted in the batch transaction of their message
// (batch_writer.cc), claimed by one gateway at a time with
// SELECT ... FOR UPDATE SKIP LOCKED and a lease (claimed_by, claimed_until),
// so two gateways never send the same event at once, and a gateway that
// died releases its rows when the lease ends (or at once when it restarts
// under the same --gateway-id).
//
// Thread contract: runs on a mysql worker thread (Pool::Run / Transaction).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "mysql/session.h"

namespace parley::store::sql {

// One row per message, in the caller's transaction.
base::Result<void> InsertOutbox(mysql::Session& session,
                                const std::vector<const protocol::Message*>& messages,
                                std::int64_t now_ms);

// Inside a transaction.
base::Result<std::vector<core::OutboxEntry>> ClaimOutbox(mysql::Session& session,
                                                         const std::string& owner,
                                                         std::size_t limit,
                                                         std::chrono::milliseconds lease,
                                                         std::int64_t now_ms);
base::Result<void> FinishOutbox(mysql::Session& session, const std::vector<std::int64_t>& ids);
base::Result<void> PostponeOutbox(mysql::Session& session, const std::vector<std::int64_t>& ids,
                                  std::int64_t next_attempt_at);

}  // namespace parley::store::sql
