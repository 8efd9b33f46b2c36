#pragma once
// The bytes RedisBus keeps in Redis and sends between gateways (docs/design.md
// "Redis keys"). Pure: no I/O, no threads.
//
// Presence, one hash per user:
//   {prefix}session:{uid}   HASH  field "{gateway_id}/{session_id}"
//                                 value "{gateway_id}|{deadline_ms}"
// The field names the gateway because session ids are unique per process
// only. The value carries its own deadline (Unix ms) because Redis 7.0 has
// no per-field expiry: the key's TTL covers the freshest device, and a
// reader ignores fields whose deadline passed (a gateway that died while
// another gateway keeps the user's key alive).
//
// Routing, one channel per gateway:
//   {prefix}gw:{gateway_id}   PUBLISH payload = EncodeRemotePacket(...)
//
//   +----+--------+---------+---------------------------+------------+
//   | 'P'| cmd u16| n u16   | n x (len u8, user id)     | body bytes |
//   +----+--------+---------+---------------------------+------------+
//   big endian; the body (the packet's JSON) goes once, after the users.
//   cmd kDisconnectCmd is no client packet: it asks the gateway to close the
//   listed users' sessions, and its body is the reason (Bus::Disconnect).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/session.h"

namespace parley::cluster {

std::string SessionKey(std::string_view prefix, std::string_view user_id);
std::string GatewayChannel(std::string_view prefix, std::string_view gateway_id);

std::string PresenceField(std::string_view gateway_id, std::uint64_t session_id);
std::string PresenceValue(std::string_view gateway_id, std::chrono::milliseconds deadline);

// The session id of a PresenceField; nullopt for a field this code did not write.
std::optional<std::uint64_t> SessionIdOfField(std::string_view field);

// The cmd of a remote packet that closes sessions instead of being delivered.
inline constexpr std::uint16_t kDisconnectCmd = 0xFFFF;

struct PresenceEntry {
  std::string gateway_id;
  std::chrono::milliseconds deadline{0};  // Unix ms
};
// nullopt for a value this code did not write (skipped by readers).
std::optional<PresenceEntry> ParsePresenceValue(std::string_view value);

struct RemotePacket {
  std::vector<std::string> user_ids;
  std::uint16_t cmd = 0;
  std::string body;
};

// User ids longer than 255 bytes or more than 65535 users cannot be encoded
// (user ids are at most 64 chars; RedisBus splits bigger recipient lists):
// nullopt.
std::optional<std::string> EncodeRemotePacket(std::span<const std::string* const> user_ids,
                                              std::uint16_t cmd, std::string_view body);
// nullopt for a malformed payload (counted and ignored by the receiver).
std::optional<RemotePacket> DecodeRemotePacket(std::string_view payload);

}  // namespace parley::cluster
