#pragma once
// Key and value encodings of the RocksDB column families (docs/design.md "RocksDB layout").
//
//   messages     conv '\0' be64(seq)          -> message JSON, exactly as
//                                                protocol::SerializeMessage made it
//   msgid        sender '\0' msg_id           -> the message's key in `messages`
//   users        user_id                      -> {"password_hash":…,"created_at":…}
//   user_conv    user '\0' conv               -> be64(last_ack_seq), merged with "max";
//                                                its presence lists conv for the user
//   conv_meta    conv                         -> be64(max_seq); written by older
//                                                versions only, still read at start
//   groups       group_id                     -> {"name":…,"owner_id":…,"created_at":…,
//                                                 "join_policy":…,"history_visibility":…,
//                                                 "banned":[user…],"send_policy":…};
//                                                owner_id is "" once everybody left; the
//                                                last four are absent in groups written
//                                                before they existed
//   group_member group_id '\0' user_id        -> {"role":"owner"|"admin"|"member",
//                                                 "join_time":…,"join_seq":…,
//                                                 "muted_until":…} (join_seq and
//                                                 muted_until absent: 0)
//   user_groups  user_id '\0' group_id        -> "" (the index of GroupsOf)
//   inbox        user_id '\0' be64(inbox_seq) -> a run of entries ending at
//                                                inbox_seq (inbox_run.h)
//   user_meta    user_id                      -> be64(the user's newest inbox_seq), written
//                                                when its last run is swept
//   edits        conv '\0' be64(target_seq) be64(edit_seq) -> "": the edit events of a
//                                                message, so its recall erases their
//                                                content too
//   outbox       be64(id)                     -> the webhook outbox (rocks_outbox.h)
//   (default)    "parley.format"              -> be64(2): private ids are "private_<a>:<b>"
//                                                (conversation_id_migration.h)
//
// Written together: a message, its msgid entry, the sender's
// user_conv and its inbox entries go into one WriteBatch; so do a
// membership change's groups / group_member / user_groups / user_conv
// entries and its system message. Only the inbox sweeper deletes alone
// (expired inbox entries). Times are ms since the epoch.
//
// Ids used as a key prefix never contain '\0' (IsKeySafeId), so a prefix
// `id '\0'` matches exactly one id, and every key of that id sorts in
// [id '\0', id '\1'). Numbers are big-endian so that byte order is numeric
// order: iterators walk seqs in order and the builtin "max" merge operator,
// which compares bytes, keeps the highest ack.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "core/store.h"

namespace parley::store::keys {

// Non-empty and free of '\0'.
bool IsKeySafeId(std::string_view id);
// 400 for an id that fails IsKeySafeId; `what` names the field.
base::Error InvalidId(const char* what);

std::string EncodeU64(std::uint64_t value);
// nullopt unless `bytes` is exactly 8 bytes.
std::optional<std::uint64_t> DecodeU64(std::string_view bytes);

// `id '\0'`: every key of `id` starts with it.
std::string Prefix(std::string_view id);
// `id '\1'`: the exclusive upper bound of Prefix(id).
std::string PrefixEnd(std::string_view id);

std::string MessageKey(std::string_view conversation_id, std::int64_t seq);
// The seq of a messages key; nullopt if `key` is not one.
std::optional<std::int64_t> SeqOfMessageKey(std::string_view key);
// An `edits` key; EditKey(conv, target, 0) .. EditKey(conv, target + 1, 0)
// bounds the edits of one target.
std::string EditKey(std::string_view conversation_id, std::int64_t target_seq,
                    std::int64_t edit_seq);
// The edit_seq of an `edits` key; nullopt if `key` is not one.
std::optional<std::int64_t> EditSeqOfKey(std::string_view key);
std::string MsgIdKey(std::string_view sender_id, std::string_view msg_id);
std::string UserConvKey(std::string_view user_id, std::string_view conversation_id);
std::string GroupMemberKey(std::string_view group_id, std::string_view user_id);
std::string UserGroupKey(std::string_view user_id, std::string_view group_id);
std::string InboxKey(std::string_view user_id, std::int64_t inbox_seq);
// The id before the first '\0' of a two-part key (the whole key if none).
std::string_view FirstIdOfKey(std::string_view key);
// The part after the first '\0' of a two-part key; empty if none.
std::string_view SecondPartOfKey(std::string_view key);
// The inbox_seq of an inbox key (a run's last); nullopt if `key` is not one.
std::optional<std::int64_t> InboxSeqOfKey(std::string_view key);

std::string EncodeUserRecord(const core::UserRecord& user);
base::Result<core::UserRecord> DecodeUserRecord(std::string_view user_id, std::string_view bytes);

// The `groups` value: everything of `group` but its members.
std::string EncodeGroup(const core::GroupInfo& group);
// 500 on a corrupt value; `members` and `join_seqs` are left empty.
base::Result<core::GroupInfo> DecodeGroup(std::string_view group_id, std::string_view bytes);

struct MemberValue {
  std::int64_t join_time = 0;
  std::int64_t join_seq = 0;
  core::GroupRole role = core::GroupRole::kMember;
  std::int64_t muted_until = 0;  // 0: not muted
};
std::string EncodeMember(const MemberValue& member);
// 500 on a corrupt value.
base::Result<MemberValue> DecodeMember(std::string_view bytes);

}  // namespace parley::store::keys
