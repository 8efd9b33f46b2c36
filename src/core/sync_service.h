#pragma once
// SyncService: SYNC (cmd 6). From one inbox_seq cursor a device learns what
// changed: the inbox entries after it (1:1 and small groups, write
// diffusion), and every group conversation of the user with its max_seq, so
// it can PULL what read diffusion did not put in its inbox (big groups, and
// groups that crossed the fan-out threshold). A cursor older than the inbox
// retention gets "expired": the device falls back to CONVERSATIONS + PULL.
//
// Threads: runs on the calling connection's executor; no mutable state.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>

#include "base/error.h"
#include "core/caller.h"
#include "core/store.h"

namespace parley::core {

class SyncService {
 public:
  explicit SyncService(Store& store) : store_(store) {}

  asio::awaitable<base::Result<std::string>> Sync(const Caller& caller,
                                                  const boost::json::object& request);

 private:
  Store& store_;
};

}  // namespace parley::core
