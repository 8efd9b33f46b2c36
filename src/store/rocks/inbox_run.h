#pragma once
// One inbox row holds a run of a user's consecutive inbox entries: all the
// entries one group-commit batch gave that user. A group message used to
// cost one row per member; now a batch of k messages to a group costs one
// row per member, not k (the memtable insert, flush and compaction of a row
// were most of a write-diffusion fan-out's cost).
//
//   key    user_id '\0' be64(the run's last inbox_seq)
//   value  0x02 be64(first inbox_seq) be64(newest send_time)
//          then per entry, in inbox_seq order:
//            varint(len) conversation_id   (len 0: the previous entry's conversation)
//            varint(seq)
//
// A batch of k messages to one group makes runs of k entries of the same
// conversation: after the first, each entry costs 2–4 bytes instead of the
// conversation id again (the WAL, memtable, flush and compaction bytes of a
// write-diffusion fan-out are mostly inbox runs).
//
// Keyed by the run's last inbox_seq, so Seek(InboxKey(user, n)) lands on the
// run holding n (or on a later one when n was swept). Older versions wrote
// format 0x01 (per entry be64(seq) be32(len) conversation_id, the id always
// spelled out) and, before runs, one entry per row: `be64(seq)
// be64(send_time) conversation_id` under the key of its own inbox_seq, whose
// first byte is 0 (seqs stay below 2^56). All three read.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

struct InboxRunEntry {
  std::int64_t inbox_seq = 0;
  std::string_view conversation_id;
  std::int64_t seq = 0;
};

// Builds the value of one run. Entries must come with consecutive inbox_seqs.
class InboxRunBuilder {
 public:
  explicit InboxRunBuilder(std::int64_t first_inbox_seq) : first_(first_inbox_seq) {}

  void Add(std::string_view conversation_id, std::int64_t seq, std::int64_t send_time);
  bool empty() const { return count_ == 0; }
  std::int64_t last_inbox_seq() const { return first_ + count_ - 1; }
  std::string Value() const;

 private:
  std::int64_t first_;
  std::int64_t count_ = 0;
  std::int64_t newest_time_ = 0;
  std::string last_conversation_;
  std::string entries_;
};

// A decoded run; views into the bytes it was parsed from.
struct InboxRun {
  std::int64_t first_inbox_seq = 0;
  std::int64_t newest_send_time = 0;
  std::vector<InboxRunEntry> entries;  // consecutive inbox_seqs, ascending
};

// `last_inbox_seq` is the one in the row's key. nullopt on a corrupt value,
// including entries that do not end at `last_inbox_seq`.
std::optional<InboxRun> ParseInboxRun(std::int64_t last_inbox_seq, std::string_view value);

// Only the newest send_time, for the sweeper: nullopt on a corrupt value.
std::optional<std::int64_t> InboxRunNewestTime(std::string_view value);

}  // namespace parley::store
