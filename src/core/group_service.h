#pragma once
// GroupService: GROUP (cmd 7) — create, join, leave, invite, kick, members,
// mine. Every membership change is stored as a system message in the
// group's timeline (msg_type 100, content
// {"event","actor","users","name"}), atomically with the change, so every
// member's view agrees on who was in the group at which seq.
//
// Threads: runs on the calling connection's executor; no mutable state.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "base/metrics.h"
#include "core/bus.h"
#include "core/caller.h"
#include "core/store.h"

namespace parley::core {

struct GroupOptions {
  std::size_t max_members_per_request = 5000;  // create/invite/kick lists
  bool require_registered_members = true;      // off with --auth=insecure
};

class GroupService {
 public:
  GroupService(Store& store, Bus& bus, const base::Clock& clock, base::Metrics& metrics,
               GroupOptions options);

  // The whole response body, or an error: 400 unknown op or bad fields, 403
  // not a member / not the owner, 404 no such group or user, 409 exists /
  // already a member.
  asio::awaitable<base::Result<std::string>> Handle(const Caller& caller,
                                                    const boost::json::object& request);

 private:
  asio::awaitable<base::Result<std::string>> Change(const Caller& caller,
                                                    const boost::json::object& request,
                                                    GroupChange change);
  asio::awaitable<base::Result<std::string>> Members(const Caller& caller,
                                                     const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> Mine(const Caller& caller,
                                                  const boost::json::object& request);
  asio::awaitable<base::Result<void>> CheckUsersExist(const std::vector<std::string>& users);

  Store& store_;
  Bus& bus_;
  const base::Clock& clock_;
  base::Metrics& metrics_;
  GroupOptions options_;
};

}  // namespace parley::core
