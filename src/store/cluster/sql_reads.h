#pragma once
// The cluster store's reads from MySQL, as functions of a Session (they run
// on a mysql worker thread inside Pool::Run).
//
// Timeline reads return only what a reader may see: a seq is readable once
// every lower seq is either a message, a hole row (status 1), or missing for
// longer than `hole_timeout` (its append failed without leaving a hole row).
// A younger missing seq may still be committing on another gateway, so a
// page stops before it ("a reader never sees seq N+1 before N is readable").
// The age of a missing seq is the age of the row after it: that row's seq
// was assigned later, so the missing one has been pending at least as long.
// A first attempt commits within commit_deadline of its seq; a retry at a
// seq reserved earlier commits only while the row above is younger than
// hole_timeout / 2 (batch_writer.h). So a skipped seq never fills later, and
// pages carry a hole marker (protocol::SerializeHole) for it: for a hole row
// and for each old missing seq, counted in the page's limit like a message.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/store.h"
#include "mysql/session.h"
#include "store/common/group_record.h"

namespace parley::store::sql {

struct TimelinePage {
  core::MessagePage page;
  bool stopped_at_gap = false;  // a young missing seq ended the page
};

base::Result<TimelinePage> ReadAfter(mysql::Session& session, const std::string& conv,
                                     std::int64_t after_seq, std::size_t limit,
                                     std::chrono::milliseconds hole_timeout);
base::Result<TimelinePage> ReadBefore(mysql::Session& session, const std::string& conv,
                                      std::int64_t before_seq, std::size_t limit,
                                      std::chrono::milliseconds hole_timeout);

// The highest seq holding a message; 0 when none.
base::Result<std::int64_t> MaxSeq(mysql::Session& session, const std::string& conv);
// The highest seq ever assigned and written (holes included); 0 when none.
base::Result<std::int64_t> MaxAssignedSeq(mysql::Session& session, const std::string& conv);

base::Result<std::optional<protocol::Message>> FindMessage(mysql::Session& session,
                                                           const std::string& sender_id,
                                                           const std::string& msg_id);
// Messages by (conversation, seq); absent ones are left out, hole rows come
// with `hole` set (and an empty message).
struct FetchedMessage {
  protocol::Message message;
  bool hole = false;
};
base::Result<std::vector<FetchedMessage>> FetchMessages(
    mysql::Session& session, const std::vector<std::pair<std::string, std::int64_t>>& keys);

// Which position of user_conversation_state an ack moves forward.
enum class AckColumn { kRead, kDelivered };
// Moves the position to `seq` unless it is ahead, and returns it.
base::Result<std::int64_t> Ack(mysql::Session& session, const std::string& user,
                               const std::string& conv, std::int64_t seq, AckColumn column);
// The read and delivered positions of each of `users`, in that order (0 where
// there is no row).
base::Result<std::vector<core::ReceiptPositions>> ReadReceipts(
    mysql::Session& session, const std::string& conv, const std::vector<std::string>& users);
base::Result<std::vector<core::ConversationState>> ListConversations(mysql::Session& session,
                                                                     const std::string& user);

// The group with its members' join times; null when there is no such group.
base::Result<GroupPtr> LoadGroup(mysql::Session& session, const std::string& group_id);
base::Result<std::vector<core::GroupInfo>> GroupsOf(mysql::Session& session,
                                                    const std::string& user);

base::Result<void> CreateUser(mysql::Session& session, const core::UserRecord& user);
base::Result<core::UserRecord> FindUser(mysql::Session& session, const std::string& user_id);
// Applies the update (core::Updated's rule, in SQL) and reads the user back;
// 404 when there is no such user.
base::Result<core::UserRecord> UpdateUser(mysql::Session& session, const core::UserUpdate& update);

}  // namespace parley::store::sql
