#pragma once
// The Redis keys of the cluster store (docs/design.md "Redis keys"), all under one
// configurable prefix (default "im:"):
//
//   {p}seq:{conv}              STRING  INCR counter: the conversation's last assigned seq
//   {p}msgid:{uid}:{msg_id}    STRING  "P|seq|conv" pending / "C|seq|conv" committed
//   {p}inbox_seq:{uid}         STRING  the user's last assigned inbox_seq (no TTL: never goes back)
//   {p}inbox:{uid}             ZSET    score inbox_seq, member "inbox_seq|send_time|seq|conv"
//   {p}inbox_floor             STRING  where a lost inbox_seq restarts (inbox_floor.cc)
//   {p}inbox_floor_claim       STRING  the gateway choosing the floor (PX, a few seconds)
//   {p}group:{gid}             HASH    exists (1, or 0 = "no such group" marker), token, name,
//                                      owner, created_at
//   {p}members:{gid}           HASH    user -> join_time (ms)
//   {p}lock:group:{gid}        STRING  serialises membership changes across gateways
//   {p}change:group:{gid}      STRING  "seq|msgid key" of a change applied here but not yet
//                                      known to be committed (append_flow.cc)
//
// Redis is an index and a cache; MySQL is the truth, and every key above is
// re-seeded from MySQL when missing. The Lua scripts build keys from the
// prefix themselves, so the store needs a single Redis (not Redis Cluster).
//
// Thread contract: value type, pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::store {

class ClusterKeys {
 public:
  explicit ClusterKeys(std::string prefix) : p_(std::move(prefix)) {}

  const std::string& prefix() const { return p_; }
  std::string Seq(std::string_view conv) const { return Cat("seq:", conv); }
  std::string MsgId(std::string_view uid, std::string_view msg_id) const;
  std::string InboxSeq(std::string_view uid) const { return Cat("inbox_seq:", uid); }
  std::string Inbox(std::string_view uid) const { return Cat("inbox:", uid); }
  std::string InboxFloor() const { return p_ + "inbox_floor"; }
  std::string InboxFloorClaim() const { return p_ + "inbox_floor_claim"; }
  std::string Group(std::string_view gid) const { return Cat("group:", gid); }
  std::string Members(std::string_view gid) const { return Cat("members:", gid); }
  std::string GroupLock(std::string_view gid) const { return Cat("lock:group:", gid); }
  std::string GroupPendingChange(std::string_view gid) const { return Cat("change:group:", gid); }

 private:
  std::string Cat(std::string_view kind, std::string_view id) const;
  std::string p_;
};

// The value of a msgid key.
struct MsgIdEntry {
  bool committed = false;
  std::int64_t seq = 0;
  std::string conversation_id;
};
std::optional<MsgIdEntry> ParseMsgIdEntry(std::string_view value);
std::string MsgIdEntryValue(const MsgIdEntry& entry);

// The value of a group's pending-change key: the seq the change reserved and
// the key of its msgid entry.
struct PendingChange {
  std::int64_t seq = 0;
  std::string msgid_key;
};
std::optional<PendingChange> ParsePendingChange(std::string_view value);

// A member of an inbox ZSET.
struct InboxItem {
  std::int64_t inbox_seq = 0;
  std::int64_t send_time = 0;
  std::int64_t seq = 0;
  std::string conversation_id;
};
// A legacy private id ("private_<a>_<b>", written before the ':' form) comes
// out as its canonical id.
std::optional<InboxItem> ParseInboxItem(std::string_view member);
// The member for `item`, as the append scripts write it (lua_scripts.cc).
std::string InboxItemMember(const InboxItem& item);

}  // namespace parley::store
