#pragma once
// SyncService: SYNC (cmd 6). From one inbox_seq cursor a device learns what
// changed: the inbox entries after it (1:1 and small groups, write
// diffusion), and, on the last page, the user's group conversations with
// their max_seq, so it can PULL what read diffusion did not put in its inbox
// (big groups, and groups that crossed the fan-out threshold). With the
// previous SYNC's `next_groups_since`, only the groups with a message since
// then are listed. A cursor older than the inbox retention gets "expired":
// the device falls back to CONVERSATIONS + PULL.
//
// Threads: runs on the calling connection's executor; no mutable state.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "core/caller.h"
#include "core/store.h"

namespace parley::core {

// Page sizes of SYNC's inbox entries (`limit`).
inline constexpr std::size_t kSyncDefaultLimit = 100;
inline constexpr std::size_t kSyncMaxLimit = 500;
// At most this many groups in one SYNC's `conversations`; past it the reply
// says `conversations_truncated` and the device lists the rest with
// CONVERSATIONS (paged).
inline constexpr std::size_t kSyncMaxGroups = 200;
// `next_groups_since` trails the server's clock by this much, so a message
// stamped just before a SYNC but committed after it (or stamped by a gateway
// whose clock runs behind) is still listed by the next SYNC.
inline constexpr std::int64_t kGroupsSinceMarginMs = 120'000;

class SyncService {
 public:
  SyncService(Store& store, const base::Clock& clock) : store_(store), clock_(clock) {}

  asio::awaitable<base::Result<std::string>> Sync(const Caller& caller,
                                                  const boost::json::object& request);

 private:
  Store& store_;
  const base::Clock& clock_;
};

}  // namespace parley::core
