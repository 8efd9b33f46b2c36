#pragma once
// The MySQL side of events (edit, recall, reaction: protocol/message_events.h)
// in one group-commit batch, inside its transaction, after the event rows
// themselves were inserted:
//   - each target row is read FOR UPDATE, changed by the shared rule and
//     written back (content, edit_seq, edited_at, recalled, reactions);
//   - an edit of a recalled target has its own content blanked;
//   - a recall blanks the content of every edit of its target (k_target).
// Targets are locked in (conversation, target_seq, seq) order, one order for
// every gateway, so concurrent batches queue on a target instead of
// deadlocking. The target row lock also orders events committed by two
// gateways; an edit still only replaces an older one (edit_seq).
//
// Thread contract: runs on a mysql worker thread, inside a transaction.

#include <vector>

#include "base/error.h"
#include "mysql/session.h"
#include "protocol/message.h"

namespace parley::store {

// Returns the events whose own content the rule erased (an edit of a
// target recalled before it), so their acks and pushes do not carry it.
base::Result<std::vector<const protocol::Message*>> ApplyEventRows(
    mysql::Session& session, std::vector<const protocol::Message*> events);

}  // namespace parley::store
