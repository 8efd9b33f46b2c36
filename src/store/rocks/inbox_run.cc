#include "store/rocks/inbox_run.h"

#include <algorithm>

#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

constexpr char kRunFormat = 0x01;
constexpr std::size_t kHeaderSize = 1 + 8 + 8;
constexpr std::size_t kLegacyHeaderSize = 8 + 8;  // be64(seq) be64(send_time)

void AppendU32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

std::uint32_t ReadU32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::int64_t ReadI64(std::string_view bytes) {
  return static_cast<std::int64_t>(*keys::DecodeU64(bytes.substr(0, 8)));
}

bool IsLegacy(std::string_view value) { return !value.empty() && value[0] != kRunFormat; }

std::optional<InboxRun> ParseLegacy(std::int64_t inbox_seq, std::string_view value) {
  if (value.size() <= kLegacyHeaderSize) return std::nullopt;
  InboxRun run;
  run.first_inbox_seq = inbox_seq;
  run.newest_send_time = ReadI64(value.substr(8));
  run.entries.push_back({inbox_seq, value.substr(kLegacyHeaderSize), ReadI64(value)});
  return run;
}

}  // namespace

void InboxRunBuilder::Add(std::string_view conversation_id, std::int64_t seq,
                          std::int64_t send_time) {
  entries_ += keys::EncodeU64(static_cast<std::uint64_t>(seq));
  AppendU32(entries_, static_cast<std::uint32_t>(conversation_id.size()));
  entries_ += conversation_id;
  newest_time_ = count_ == 0 ? send_time : std::max(newest_time_, send_time);
  ++count_;
}

std::string InboxRunBuilder::Value() const {
  std::string value;
  value.reserve(kHeaderSize + entries_.size());
  value.push_back(kRunFormat);
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
  std::string_view rest = value.substr(kHeaderSize);
  std::int64_t inbox_seq = run.first_inbox_seq;
  while (!rest.empty()) {
    if (rest.size() < 12) return std::nullopt;
    const std::int64_t seq = ReadI64(rest);
    const std::uint32_t length = ReadU32(rest.substr(8));
    rest.remove_prefix(12);
    if (length == 0 || length > rest.size()) return std::nullopt;
    run.entries.push_back({inbox_seq++, rest.substr(0, length), seq});
    rest.remove_prefix(length);
  }
  if (run.entries.empty() || inbox_seq - 1 != last_inbox_seq) return std::nullopt;
  return run;
}

std::optional<std::int64_t> InboxRunNewestTime(std::string_view value) {
  if (IsLegacy(value)) {
    if (value.size() <= kLegacyHeaderSize) return std::nullopt;
    return ReadI64(value.substr(8));
  }
  if (value.size() < kHeaderSize) return std::nullopt;
  return ReadI64(value.substr(9));
}

}  // namespace parley::store
