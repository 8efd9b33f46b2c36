#include "cluster/wire.h"

#include <charconv>

namespace parley::cluster {
namespace {

constexpr char kRemotePacketTag = 'P';
constexpr std::size_t kMaxUsers = 0xFFFF;
constexpr std::size_t kMaxUserIdBytes = 0xFF;

void PutU16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
}

std::uint16_t GetU16(std::string_view in, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(in[at]) << 8) |
                                    static_cast<unsigned char>(in[at + 1]));
}

}  // namespace

std::string SessionKey(std::string_view prefix, std::string_view user_id) {
  std::string key;
  key.reserve(prefix.size() + 8 + user_id.size());
  key.append(prefix).append("session:").append(user_id);
  return key;
}

std::string GatewayChannel(std::string_view prefix, std::string_view gateway_id) {
  std::string channel;
  channel.reserve(prefix.size() + 3 + gateway_id.size());
  channel.append(prefix).append("gw:").append(gateway_id);
  return channel;
}

std::string PresenceField(std::string_view gateway_id, std::uint64_t session_id) {
  std::string field(gateway_id);
  field.push_back('/');
  field.append(std::to_string(session_id));
  return field;
}

std::optional<std::uint64_t> SessionIdOfField(std::string_view field) {
  const std::size_t slash = field.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::uint64_t id = 0;
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data() + slash + 1, end, id);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return id;
}

std::string PresenceValue(std::string_view gateway_id, std::chrono::milliseconds deadline) {
  std::string value(gateway_id);
  value.push_back('|');
  value.append(std::to_string(deadline.count()));
  return value;
}

std::optional<PresenceEntry> ParsePresenceValue(std::string_view value) {
  const std::size_t bar = value.rfind('|');
  if (bar == std::string_view::npos || bar == 0) return std::nullopt;
  std::int64_t ms = 0;
  const char* first = value.data() + bar + 1;
  const char* last = value.data() + value.size();
  auto [end, ec] = std::from_chars(first, last, ms);
  if (ec != std::errc() || end != last) return std::nullopt;
  return PresenceEntry{std::string(value.substr(0, bar)), std::chrono::milliseconds(ms)};
}

std::optional<std::string> EncodeRemotePacket(std::span<const std::string* const> user_ids,
                                              std::uint16_t cmd, std::string_view body) {
  if (user_ids.size() > kMaxUsers) return std::nullopt;
  std::size_t size = 5 + body.size();
  for (const std::string* user : user_ids) {
    if (user->size() > kMaxUserIdBytes) return std::nullopt;
    size += 1 + user->size();
  }
  std::string out;
  out.reserve(size);
  out.push_back(kRemotePacketTag);
  PutU16(out, cmd);
  PutU16(out, static_cast<std::uint16_t>(user_ids.size()));
  for (const std::string* user : user_ids) {
    out.push_back(static_cast<char>(user->size()));
    out.append(*user);
  }
  out.append(body);
  return out;
}

std::optional<RemotePacket> DecodeRemotePacket(std::string_view payload) {
  if (payload.size() < 5 || payload[0] != kRemotePacketTag) return std::nullopt;
  RemotePacket packet;
  packet.cmd = GetU16(payload, 1);
  const std::size_t count = GetU16(payload, 3);
  std::size_t at = 5;
  packet.user_ids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (at >= payload.size()) return std::nullopt;
    const std::size_t length = static_cast<unsigned char>(payload[at]);
    ++at;
    if (length == 0 || payload.size() - at < length) return std::nullopt;
    packet.user_ids.emplace_back(payload.substr(at, length));
    at += length;
  }
  packet.body.assign(payload.substr(at));
  return packet;
}

}  // namespace parley::cluster
