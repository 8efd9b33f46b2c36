#pragma once
// The MySQL side of one group-commit batch: every row of every append in it,
// written inside one transaction (the caller's Pool::Transaction).
//
// Per append, in batch order:
//   - its timeline_message row (multi-row INSERT; a row whose (conversation,
//     seq) or (sender, msg_id) already exists is left alone, not an error);
//   - user_conversation_state: a private chat's members get a row (ack 0),
//     the sender's ack moves to the seq (GREATEST), unless it just left;
//   - a membership change's rows: groups, group_member (role 1 = owner), and
//     the state rows that list the group for added members and drop it for
//     removed ones.
// State rows are merged over the batch and written in key order (one lock
// order for every gateway, so concurrent batches do not deadlock on them).
//
// The fast path checks nothing more: when the INSERT inserted every row, all
// appends are stored. Otherwise (Redis lost its data, or a msgid cache entry
// expired) the batch looks up each append's (sender, msg_id):
//   - found at its own seq: stored, unless the row is not this append's
//     (another content or send_time: a retry reclaimed the seq first), then
//     a duplicate of that row;
//   - found at another seq: a duplicate of that message; its own seq gets a
//     hole row (status 1) so readers do not wait for it;
//   - not found: its seq was taken by another message (a re-seeded counter
//     handed it out twice); the append fails (503, the client retries).
// Only stored appends write state and group rows, and only stored events
// change their targets (event_rows.h).
//
// A reclaimed append (CommitItem::reclaimed: the retry of a message whose
// first commit failed, at the seq Redis reserved for it then) is written on
// its own, before the others, with a single-row INSERT whose affected-row
// count says exactly whether this batch stored it:
//   - inserted: stored;
//   - the seq is occupied: by this message (the first attempt committed
//     after all, or a concurrent retry on another gateway won): a duplicate
//     of it; by anything else: kSeqTaken;
//   - too late: the oldest row above its seq is older than `late_limit`, so
//     readers may already have skipped the seq as a hole (sql_reads.h). It
//     gets a hole row instead and the outcome is kTooLate (the append takes
//     a new seq).
// late_limit is half the readers' hole_timeout: the other half bounds how
// long the transaction may take between the check and its COMMIT.
//
// Thread contract: runs on a mysql worker thread, inside a transaction.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "mysql/session.h"
#include "protocol/message.h"

namespace parley::store {

// The MySQL rows of a group change. Members added join at the change
// message's seq (CommitItem::message.seq).
struct GroupChangeRows {
  std::string group_id;
  bool create = false;
  std::string name;
  std::string owner_id;
  std::int64_t created_at = 0;
  bool owner_changed = false;
  bool settings_changed = false;  // join_policy and history_visibility are to be written
  std::string join_policy;
  std::string history_visibility;
  std::vector<std::pair<std::string, std::int64_t>> added;  // user, join_time
  std::vector<std::string> removed;
  std::vector<std::string> banned;
  std::vector<std::string> unbanned;
  std::string send_policy;  // written with the other settings
  // Members whose role or mute changed (GroupChangeOutcome::touched), as
  // their rows are to be after the change.
  struct MemberRole {
    std::string user_id;
    core::GroupRole role = core::GroupRole::kMember;
    std::int64_t muted_until = 0;
  };
  std::vector<MemberRole> touched;
};

// Whether the sender's ack position moves to its own message: not when the
// message records the sender leaving the group (it would list the group again).
enum class SenderAck { kMovesToTheMessage, kStays };

struct CommitItem {
  protocol::Message message;  // seq assigned
  // Users who must have a state row for the conversation (ack 0 if new):
  // the members of a private chat.
  std::vector<std::string> members;
  SenderAck sender_ack = SenderAck::kMovesToTheMessage;
  std::optional<GroupChangeRows> change;
  // The seq was reserved by an earlier, failed attempt of this message (a
  // retry), not assigned just now: see above.
  bool reclaimed = false;
  // Webhooks are on: the message gets a webhook_outbox row (outbox_rows.h).
  bool outbox = false;
};

struct ItemOutcome {
  enum class Kind { kStored, kDuplicate, kSeqTaken, kTooLate };
  Kind kind = Kind::kStored;
  std::optional<protocol::Message> original;  // kDuplicate: the stored message
  // kStored: an edit whose target had been recalled was stored without its
  // content (protocol::ApplyEvent); the answer and the push must not carry it.
  bool event_content_erased = false;
};

// `now_ms`: the time outbox rows are stamped with.
base::Result<std::vector<ItemOutcome>> WriteBatch(mysql::Session& session,
                                                  const std::vector<const CommitItem*>& items,
                                                  std::chrono::milliseconds late_limit,
                                                  std::int64_t now_ms);

}  // namespace parley::store
