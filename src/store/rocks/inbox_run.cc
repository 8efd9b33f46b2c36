#include "store/rocks/inbox_run.h"

#include <algorithm>
#include <limits>

#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

constexpr char kLegacyFormat = 0x00;      // one entry per row, before runs
constexpr char kFixedRunFormat = 0x01;    // conversation ids always spelled out
constexpr char kCompactRunFormat = 0x02;  // what we write
constexpr std::size_t kHeaderSize = 1 + 8 + 8;
constexpr std::size_t kLegacyHeaderSize = 8 + 8;  // be64(seq) be64(send_time)

void AppendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Consumes a varint from the front of `bytes`; nullopt if truncated or longer
// than 64 bits.
std::optional<std::uint64_t> TakeVarint(std::string_view& bytes) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64 && !bytes.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes.front());
    bytes.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

std::uint32_t ReadU32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::int64_t ReadI64(std::string_view bytes) {
  return static_cast<std::int64_t>(*keys::DecodeU64(bytes.substr(0, 8)));
}

bool IsLegacy(std::string_view value) { return !value.empty() && value[0] == kLegacyFormat; }

// Appends the run's next entry. False when the run would pass its key's
// `last_inbox_seq` (counted, so a corrupt first_inbox_seq near the top of
// int64 cannot overflow) or `seq` is not a seq (every format must refuse
// what the compact one cannot hold: the migration rewrites old rows in it).
bool AddEntry(InboxRun& run, std::int64_t last_inbox_seq, std::string_view conversation_id,
              std::int64_t seq) {
  if (seq < 1) return false;
  const auto count = static_cast<std::uint64_t>(run.entries.size());
  if (count > static_cast<std::uint64_t>(last_inbox_seq - run.first_inbox_seq)) return false;
  run.entries.push_back(
      {run.first_inbox_seq + static_cast<std::int64_t>(count), conversation_id, seq});
  return true;
}

std::optional<InboxRun> ParseLegacy(std::int64_t inbox_seq, std::string_view value) {
  if (value.size() <= kLegacyHeaderSize || inbox_seq < 1) return std::nullopt;
  InboxRun run;
  run.first_inbox_seq = inbox_seq;
  run.newest_send_time = ReadI64(value.substr(8));
  if (!AddEntry(run, inbox_seq, value.substr(kLegacyHeaderSize), ReadI64(value))) {
    return std::nullopt;
  }
  return run;
}

// Format 0x01 entries: be64(seq) be32(len) conversation_id.
bool ParseFixedEntries(std::string_view rest, std::int64_t last_inbox_seq, InboxRun& run) {
  while (!rest.empty()) {
    if (rest.size() < 12) return false;
    const std::int64_t seq = ReadI64(rest);
    const std::uint32_t length = ReadU32(rest.substr(8));
    rest.remove_prefix(12);
    if (length == 0 || length > rest.size()) return false;
    if (!AddEntry(run, last_inbox_seq, rest.substr(0, length), seq)) return false;
    rest.remove_prefix(length);
  }
  return true;
}

// Format 0x02 entries: varint(len) conversation_id varint(seq).
bool ParseCompactEntries(std::string_view rest, std::int64_t last_inbox_seq, InboxRun& run) {
  std::string_view conversation_id;
  while (!rest.empty()) {
    const std::optional<std::uint64_t> length = TakeVarint(rest);
    if (!length || *length > rest.size()) return false;
    if (*length > 0) {
      conversation_id = rest.substr(0, *length);
      rest.remove_prefix(*length);
    } else if (conversation_id.empty()) {
      return false;  // "the previous entry's conversation" with no previous entry
    }
    const std::optional<std::uint64_t> seq = TakeVarint(rest);
    if (!seq || *seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        !AddEntry(run, last_inbox_seq, conversation_id, static_cast<std::int64_t>(*seq))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void InboxRunBuilder::Add(std::string_view conversation_id, std::int64_t seq,
                          std::int64_t send_time) {
  if (count_ > 0 && conversation_id == last_conversation_) {
    AppendVarint(entries_, 0);
  } else {
    AppendVarint(entries_, conversation_id.size());
    last_conversation_.assign(conversation_id);
    entries_ += conversation_id;
  }
  AppendVarint(entries_, static_cast<std::uint64_t>(seq));
  newest_time_ = count_ == 0 ? send_time : std::max(newest_time_, send_time);
  ++count_;
}

std::string InboxRunBuilder::Value() const {
  std::string value;
  value.reserve(kHeaderSize + entries_.size());
  value.push_back(kCompactRunFormat);
  value += keys::EncodeU64(static_cast<std::uint64_t>(first_));
  value += keys::EncodeU64(static_cast<std::uint64_t>(newest_time_));
  value += entries_;
  return value;
}

std::optional<InboxRun> ParseInboxRun(std::int64_t last_inbox_seq, std::string_view value) {
  if (IsLegacy(value)) return ParseLegacy(last_inbox_seq, value);
  if (value.size() < kHeaderSize) return std::nullopt;
  InboxRun run;
  run.first_inbox_seq = ReadI64(value.substr(1));
  run.newest_send_time = ReadI64(value.substr(9));
  if (run.first_inbox_seq < 1 || run.first_inbox_seq > last_inbox_seq) return std::nullopt;
  const std::string_view entries = value.substr(kHeaderSize);
  bool parsed = false;
  if (value[0] == kCompactRunFormat) parsed = ParseCompactEntries(entries, last_inbox_seq, run);
  if (value[0] == kFixedRunFormat) parsed = ParseFixedEntries(entries, last_inbox_seq, run);
  if (!parsed || run.entries.empty() || run.entries.back().inbox_seq != last_inbox_seq) {
    return std::nullopt;
  }
  return run;
}

std::optional<std::int64_t> InboxRunNewestTime(std::string_view value) {
  if (IsLegacy(value)) {
    if (value.size() <= kLegacyHeaderSize) return std::nullopt;
    return ReadI64(value.substr(8));
  }
  if (value.size() < kHeaderSize) return std::nullopt;
  if (value[0] != kCompactRunFormat && value[0] != kFixedRunFormat) return std::nullopt;
  return ReadI64(value.substr(9));
}

}  // namespace parley::store
