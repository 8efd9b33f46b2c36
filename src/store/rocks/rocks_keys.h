#pragma once
// Key and value encodings of the RocksDB column families (DESIGN "Data model").
//
//   messages   conv '\0' be64(seq)        -> message JSON, exactly as
//                                            protocol::SerializeMessage made it
//   msgid      sender '\0' msg_id         -> the message's key in `messages`
//   users      user_id                    -> {"password_hash":…,"created_at":…}
//   user_conv  user '\0' conv             -> be64(last_ack_seq), merged with "max"
//   conv_meta  conv                       -> be64(max_seq)
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
std::string MsgIdKey(std::string_view sender_id, std::string_view msg_id);
std::string UserConvKey(std::string_view user_id, std::string_view conversation_id);

std::string EncodeUserRecord(const core::UserRecord& user);
base::Result<core::UserRecord> DecodeUserRecord(std::string_view user_id, std::string_view bytes);

}  // namespace parley::store::keys
