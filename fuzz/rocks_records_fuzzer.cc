// The embedded store's keys and values (store/rocks/rocks_keys.h,
// outbox_record.h) as a corrupt or foreign RocksDB could hold them: user,
// group, member and webhook outbox records, and the numbers and ids taken
// from keys. A corrupt record must give an
// error (500), never a crash. Properties: a record that decodes encodes to
// one that decodes to the same record.
//
// Input: the value; the same bytes serve as a key.

#include <string_view>

#include "fuzz_check.h"
#include "store/rocks/outbox_record.h"
#include "store/rocks/rocks_keys.h"

namespace {

using namespace parley::store::keys;
using parley::fuzz::Check;

template <class R>
void ExpectCorrupt(const R& result) {
  Check(result || result.error().code == parley::base::Code::kInternal,
        "a corrupt record gave something else than 500");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (auto value = DecodeU64(bytes)) Check(EncodeU64(*value) == bytes, "be64 does not round-trip");
  (void)SeqOfMessageKey(bytes);
  (void)EditSeqOfKey(bytes);
  (void)InboxSeqOfKey(bytes);
  Check(FirstIdOfKey(bytes).size() + SecondPartOfKey(bytes).size() <= bytes.size(),
        "the parts of a key are longer than the key");

  const auto user = DecodeUserRecord("alice", bytes);
  ExpectCorrupt(user);
  if (user) {
    const auto again = DecodeUserRecord("alice", EncodeUserRecord(*user));
    Check(again && again->password_hash == user->password_hash &&
              again->created_at == user->created_at && again->standing == user->standing &&
              again->tokens_valid_after == std::max<std::int64_t>(user->tokens_valid_after, 0),
          "a user record does not round-trip");
  }

  const auto group = DecodeGroup("group_1", bytes);
  ExpectCorrupt(group);
  if (group) {
    const auto again = DecodeGroup("group_1", EncodeGroup(*group));
    Check(again && again->name == group->name && again->owner_id == group->owner_id &&
              again->created_at == group->created_at && again->join_policy == group->join_policy &&
              again->history_visibility == group->history_visibility &&
              again->send_policy == group->send_policy && *again->banned == *group->banned,
          "a group record does not round-trip");
  }

  const auto member = DecodeMember(bytes);
  ExpectCorrupt(member);
  if (member) {
    const auto again = DecodeMember(EncodeMember(*member));
    Check(again && again->join_time == member->join_time && again->join_seq == member->join_seq &&
              again->role == member->role && again->muted_until == member->muted_until,
          "a member record does not round-trip");
  }

  // An outbox entry: the first 8 bytes as its key, the rest as its value.
  if (bytes.size() >= 8) {
    const std::string_view key = bytes.substr(0, 8);
    if (const auto entry = parley::store::DecodeOutboxEntry(key, bytes.substr(8))) {
      const auto again = parley::store::DecodeOutboxEntry(
          key, parley::store::EncodeOutboxValue(entry->entry, entry->next_attempt_at));
      Check(again && again->entry.conversation_id == entry->entry.conversation_id &&
                again->entry.seq == entry->entry.seq &&
                again->entry.created_at == entry->entry.created_at &&
                again->entry.attempts == entry->entry.attempts &&
                again->next_attempt_at == entry->next_attempt_at,
            "an outbox record does not round-trip");
    }
  }
  return 0;
}
