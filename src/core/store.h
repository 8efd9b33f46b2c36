#pragma once
// Store: the durable state of Parley, as the core sees it (docs/design.md "Data
// model"). Implemented by store/rocks (embedded) and the cluster backend.
//
// Threads: every method may be called from any I/O thread and resumes the
// calling coroutine on the caller's executor. Implementations never block the
// calling thread on an fsync or a network round trip.
//
// Errors: 404 for a missing user, 409 for a taken user id, 503 when the
// backend is unavailable, 500 for anything else. Backend types never appear
// here.

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "protocol/message.h"

namespace parley::core {

namespace asio = boost::asio;

// Whether a user may log in (server API ban/unban).
enum class UserStanding { kActive, kBanned };

struct UserRecord {
  std::string user_id;
  std::string password_hash;  // argon2id, libsodium's crypto_pwhash_str format
  std::int64_t created_at = 0;
  UserStanding standing = UserStanding::kActive;
  // Tokens issued before this time (ms since the epoch) are refused: the
  // user logged out everywhere then. 0: every unexpired token counts.
  std::int64_t tokens_valid_after = 0;
};

// A change of a user's standing or token cut-off (server API). Fields left
// empty keep their value; the cut-off only ever moves forward.
struct UserUpdate {
  std::string user_id;
  std::optional<UserStanding> standing;
  std::int64_t tokens_valid_after = 0;  // raise to at least this (0: unchanged)
};

// The record after `update`: a pure rule both stores apply.
inline UserRecord Updated(UserRecord user, const UserUpdate& update) {
  if (update.standing) user.standing = *update.standing;
  user.tokens_valid_after = std::max(user.tokens_valid_after, update.tokens_valid_after);
  return user;
}

// A change of a group (GROUP cmd 7): membership, bans, roles, mutes or
// settings. It is applied together with its system message
// (AppendRequest::message) in one atomic write, so the message's seq is the
// point in the timeline where the group changed.
enum class GroupOp {
  kCreate,
  kJoin,
  kLeave,
  kInvite,
  kKick,
  kUnban,
  kSettings,
  kPromote,
  kDemote,
  kTransfer,
  kMute,
  kUnmute
};

// A member's role; the values are MySQL's group_member.role.
enum class GroupRole { kMember = 0, kOwner = 1, kAdmin = 2 };
// Who may send CHATs to a group: every member (the default) or only the
// owner and admins (an announcement group; wire: only_admins_send).
enum class SendPolicy { kEveryone, kAdmins };

// A mute until `until` (ms since the epoch, excluded); kMutedIndefinitely
// lasts until an unmute.
constexpr std::int64_t kMutedIndefinitely = std::numeric_limits<std::int64_t>::max();
struct Mute {
  std::string user_id;
  std::int64_t until = 0;
};

// Who may add members: only members (kInvite, the default) or anyone (kOpen).
enum class JoinPolicy { kInvite, kOpen };
// What a member reads: from the seq at which it (re)joined (kJoined, the
// default), or the whole timeline (kShared).
enum class HistoryVisibility { kJoined, kShared };

struct GroupChange {
  GroupOp op = GroupOp::kJoin;
  std::string group_id;
  std::string actor;               // the authenticated user asking
  std::vector<std::string> users;  // create: initial members besides the actor;
                                   // invite/kick/unban/promote/demote/mute/unmute:
                                   // the targets; transfer: the new owner; others: empty
  std::string name;                // create only
  // create and settings: the settings to set (create: defaults when absent).
  std::optional<JoinPolicy> join_policy;
  std::optional<HistoryVisibility> history_visibility;
  std::optional<SendPolicy> send_policy;
  std::int64_t mute_until = kMutedIndefinitely;  // mute only
};

using MemberList = std::shared_ptr<const std::vector<std::string>>;  // sorted, shared
// Parallel to a MemberList: the seq of the change that made each member join;
// 0 for members who joined before the store recorded join seqs.
using JoinSeqList = std::shared_ptr<const std::vector<std::int64_t>>;
using MuteList = std::shared_ptr<const std::vector<Mute>>;  // sorted by user_id, shared

struct GroupInfo {
  std::string group_id;
  std::string name;
  std::string owner_id;
  std::int64_t created_at = 0;
  MemberList members;  // never null
  JoinSeqList join_seqs;  // null when the store does not say (GroupsOf)
  JoinPolicy join_policy = JoinPolicy::kInvite;
  HistoryVisibility history_visibility = HistoryVisibility::kJoined;
  MemberList banned;  // sorted; kicked users until unbanned; null when the store does not say
  // Members with the admin role (never the owner) and muted members, expired
  // mutes included; null when the store does not say (GroupsOf).
  MemberList admins;
  MuteList mutes;
  SendPolicy send_policy = SendPolicy::kEveryone;

  bool IsMember(std::string_view user_id) const { return Contains(members, user_id); }
  bool IsBanned(std::string_view user_id) const { return Contains(banned, user_id); }
  bool IsOwner(std::string_view user_id) const { return !user_id.empty() && user_id == owner_id; }
  bool IsAdmin(std::string_view user_id) const { return Contains(admins, user_id); }
  // Whether the user may moderate the group: kick and mute plain members,
  // unban, see the ban list. The owner and admins; only the owner changes
  // settings, promotes, demotes, transfers and acts on admins.
  bool IsModerator(std::string_view user_id) const { return IsOwner(user_id) || IsAdmin(user_id); }
  GroupRole RoleOf(std::string_view user_id) const {
    if (IsOwner(user_id)) return GroupRole::kOwner;
    return IsAdmin(user_id) ? GroupRole::kAdmin : GroupRole::kMember;
  }
  // Until when the user is muted (0: not muted), expired mutes included.
  std::int64_t MutedUntil(std::string_view user_id) const {
    if (!mutes) return 0;
    const auto it =
        std::lower_bound(mutes->begin(), mutes->end(), user_id,
                         [](const Mute& m, std::string_view id) { return m.user_id < id; });
    return it != mutes->end() && it->user_id == user_id ? it->until : 0;
  }

  // The first seq `user_id` (a member) may read: its join seq under
  // kJoined, 1 under kShared or when the join seq is unknown. The one home of
  // the history_visibility rule, for the core's checks and both stores.
  std::int64_t FirstReadableSeq(std::string_view user_id) const {
    if (history_visibility == HistoryVisibility::kShared || !join_seqs) return 1;
    const auto it = std::lower_bound(members->begin(), members->end(), user_id);
    if (it == members->end() || *it != user_id) return 1;
    return std::max<std::int64_t>((*join_seqs)[static_cast<std::size_t>(it - members->begin())], 1);
  }

 private:
  static bool Contains(const MemberList& sorted, std::string_view user_id) {
    return sorted && std::binary_search(sorted->begin(), sorted->end(), user_id);
  }
};

struct AppendRequest {
  // The message to store. `seq` is ignored and assigned by the store;
  // `send_time` is set by the caller.
  protocol::Message message;
  // Private conversations: the two members; each gets the conversation in its
  // list (ListConversations). Group conversations ("group_<id>"): ignored,
  // the store uses the group's membership at the message's seq.
  // The sender's ack position moves to the new seq, so a user's own messages
  // never count as unread.
  std::vector<std::string> members;
  // Set for a group change; `message` is then its system message. The rules
  // and their errors are store::ApplyGroupChange's (store/common/group_changes.h).
  std::optional<GroupChange> group_change;
  // Webhooks are on (docs/protocol.md "Webhooks"): the store also writes an
  // outbox entry naming the message, in the same atomic write.
  bool outbox = false;
};

// A message the webhook dispatcher has yet to announce (OutboxEntry per
// stored message with AppendRequest::outbox).
struct OutboxEntry {
  std::int64_t id = 0;  // ascending in the order the messages were stored (per store)
  std::string conversation_id;
  std::int64_t seq = 0;
  std::int64_t created_at = 0;  // ms since the epoch
  std::int64_t attempts = 0;    // failed deliveries so far
};

struct AppendResult {
  std::int64_t seq = 0;
  // True when (sender_id, msg_id) was stored before: nothing new was written
  // and the fields describe the original message.
  bool duplicate = false;
  // The stored message's JSON (protocol::SerializeMessage), shared so it can
  // be pushed to many recipients without another copy.
  std::shared_ptr<const std::string> message_json;
  // Who the message is for, as of its seq: the two members of a private
  // conversation, or the group's members; for a leave or kick also the users
  // who left, so they learn of it. Set on success, duplicates included.
  MemberList recipients;
  // True when the message went into every recipient's inbox (write
  // diffusion: at most fanout_threshold recipients).
  bool inboxed = false;
};

struct InboxEntry {
  std::int64_t inbox_seq = 0;
  std::string message_json;
};

// Why entries after a SYNC cursor are gone (SYNC's "expired_reason",
// docs/protocol.md "SYNC").
enum class ExpiredReason {
  kNone,       // not expired
  kRetention,  // older than the inbox retention (both stores)
  kCapped,     // trimmed to the newest max_inbox_entries (cluster store)
  kReset,      // Redis lost the inbox; inbox_seq restarted above the cursor (cluster store)
};

// The wire name of `reason` ("" for kNone).
inline std::string_view ExpiredReasonName(ExpiredReason reason) {
  switch (reason) {
    case ExpiredReason::kNone: return "";
    case ExpiredReason::kRetention: return "retention";
    case ExpiredReason::kCapped: return "capped";
    case ExpiredReason::kReset: return "reset";
  }
  return "";
}

struct InboxPage {
  std::vector<InboxEntry> entries;  // inbox_seq > the cursor, ascending
  bool has_more = false;
  // Entries after the cursor were dropped (or are older than the
  // retention). The device must fall back to CONVERSATIONS + PULL;
  // `entries` is then empty, and `expired_reason` says why (never kNone).
  bool expired = false;
  ExpiredReason expired_reason = ExpiredReason::kNone;
  std::int64_t latest_inbox_seq = 0;  // the user's newest inbox_seq
};

struct MessagePage {
  std::vector<std::string> messages;  // serialized message objects
  bool has_more = false;              // more messages exist past the last one returned
};

// A member's receipt positions in a conversation (RECEIPTS, cmd 11).
struct ReceiptPositions {
  std::string user_id;
  std::int64_t read_seq = 0;       // the ack position: read up to here
  std::int64_t delivered_seq = 0;  // received up to here, as recorded (not raised to read_seq)
};

struct ConversationState {
  std::string conversation_id;
  std::int64_t max_seq = 0;
  std::int64_t last_ack_seq = 0;
  std::string last_message_json;  // empty when the conversation has no message
};

class Store {
 public:
  virtual ~Store() = default;

  // True when FindUser and GetGroup complete without suspending the caller
  // (the embedded store reads inline). Then CHATs started in one order reach
  // Append in that order, so a connection may overlap them (net pipelining)
  // and their seqs still follow the order they were sent. Default: false.
  virtual bool ReadsCompleteInline() const { return false; }

  // 409 when the id is taken.
  virtual asio::awaitable<base::Result<void>> CreateUser(UserRecord user) = 0;
  // 404 when there is no such user.
  virtual asio::awaitable<base::Result<UserRecord>> FindUser(std::string user_id) = 0;
  // Applies the update durably and returns the user as it now is; 404 when
  // there is no such user.
  virtual asio::awaitable<base::Result<UserRecord>> UpdateUser(UserUpdate update) = 0;

  // Assigns the next seq of the conversation and stores the message. Completes
  // only once the message is durable (synced to disk / committed). Appends to
  // one conversation are assigned seqs in the order the calls were made.
  virtual asio::awaitable<base::Result<AppendResult>> Append(AppendRequest request) = 0;

  // Messages with seq > after_seq, ascending, at most `limit`.
  virtual asio::awaitable<base::Result<MessagePage>> ReadAfter(std::string conversation_id,
                                                               std::int64_t after_seq,
                                                               std::size_t limit) = 0;
  // Messages with seq < before_seq (before_seq <= 0: from the newest),
  // descending, at most `limit`.
  virtual asio::awaitable<base::Result<MessagePage>> ReadBefore(std::string conversation_id,
                                                                std::int64_t before_seq,
                                                                std::size_t limit) = 0;

  // The highest seq of the conversation; 0 when it has no message.
  virtual asio::awaitable<base::Result<std::int64_t>> MaxSeq(std::string conversation_id) = 0;

  // Moves the user's read (ack) position forward to `seq` (never back) and
  // returns the resulting position. The caller has checked seq <= MaxSeq.
  virtual asio::awaitable<base::Result<std::int64_t>> Ack(std::string user_id,
                                                          std::string conversation_id,
                                                          std::int64_t seq) = 0;
  // The same for the delivered position (receipts): how far the user's
  // devices have received the conversation. Not a read: unread stays.
  virtual asio::awaitable<base::Result<std::int64_t>> AckDelivered(std::string user_id,
                                                                   std::string conversation_id,
                                                                   std::int64_t seq) = 0;
  // The read and delivered positions of each of `user_ids` (the caller passes
  // members) in the conversation, in that order; 0 where none was recorded.
  virtual asio::awaitable<base::Result<std::vector<ReceiptPositions>>> ReadReceipts(
      std::string conversation_id, std::vector<std::string> user_ids) = 0;

  // Every conversation the user is a member of and has messages in.
  virtual asio::awaitable<base::Result<std::vector<ConversationState>>> ListConversations(
      std::string user_id) = 0;

  // The group and its current members; 404 when there is no such group.
  virtual asio::awaitable<base::Result<GroupInfo>> GetGroup(std::string group_id) = 0;
  // The groups the user is a member of.
  virtual asio::awaitable<base::Result<std::vector<GroupInfo>>> GroupsOf(std::string user_id) = 0;

  // The user's inbox entries after `after_inbox_seq`, at most `limit`, each
  // with its message.
  virtual asio::awaitable<base::Result<InboxPage>> ReadInbox(std::string user_id,
                                                             std::int64_t after_inbox_seq,
                                                             std::size_t limit) = 0;

  // The webhook outbox. ClaimOutbox hands out up to `limit` entries that are
  // due (their next attempt's time has come) and not claimed by anyone,
  // oldest first, and claims them for `owner` (a gateway) for `lease`: no
  // other gateway gets them until then. FinishOutbox removes entries (sent,
  // or given up); PostponeOutbox releases them until `next_attempt_at` (ms
  // since the epoch) and counts a failed attempt.
  virtual asio::awaitable<base::Result<std::vector<OutboxEntry>>> ClaimOutbox(
      std::string owner, std::size_t limit, std::chrono::milliseconds lease) = 0;
  virtual asio::awaitable<base::Result<void>> FinishOutbox(std::vector<std::int64_t> ids) = 0;
  virtual asio::awaitable<base::Result<void>> PostponeOutbox(std::vector<std::int64_t> ids,
                                                             std::int64_t next_attempt_at) = 0;

  // Finishes every accepted Append (their callers get their results), makes
  // everything durable and releases the backend. Blocks; called once at
  // shutdown after the gateways stopped reading. No other method may be
  // called during or after Close.
  virtual void Close() = 0;
};

}  // namespace parley::core
