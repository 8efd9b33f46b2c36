#pragma once
// The message object of the protocol (docs/protocol.md "The message object"):
//   {"msg_id","conversation_id","seq","sender_id","content","msg_type","send_time",
//    "reply_to"?, "target_seq"?, "remove"?,                      <- what it says
//    "edit_seq"?, "edited_at"?, "recalled"?, "reactions"?,      <- its current state
//    "media"?}
// send_time is in ms since the epoch, set by the server. The optional fields
// are on the wire only when set.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace parley::protocol {

inline constexpr std::int64_t kMsgTypeText = 1;
// System messages (membership changes) are written by the server itself.
inline constexpr std::int64_t kMsgTypeSystem = 100;
// Events: timeline entries that change an earlier message (the target,
// `target_seq`), docs/protocol.md "Edits, recalls and reactions".
inline constexpr std::int64_t kMsgTypeEdit = 101;
inline constexpr std::int64_t kMsgTypeRecall = 102;
inline constexpr std::int64_t kMsgTypeReaction = 103;

inline bool IsEvent(std::int64_t msg_type) {
  return msg_type >= kMsgTypeEdit && msg_type <= kMsgTypeReaction;
}

// The users who reacted with one emoji, sorted.
struct Reaction {
  std::string emoji;
  std::vector<std::string> users;

  bool operator==(const Reaction&) const = default;
};

struct Message {
  std::string msg_id;
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string sender_id;
  std::string content;
  std::int64_t msg_type = kMsgTypeText;
  std::int64_t send_time = 0;
  // The seq of the message this one answers, in the same conversation; 0:
  // none. On the wire only when set.
  std::int64_t reply_to = 0;
  // Media messages (msg_type 2-5): the JSON object text of payload.media
  // (docs/protocol.md "Media"), as the server's catalog wrote it; "": none.
  // On the wire as "media" only when set.
  std::string media = {};
  // Events: the seq of the message they change; a reaction event with
  // `remove` takes the sender's reaction `content` away.
  std::int64_t target_seq = 0;
  bool remove = false;
  // The state events gave this message (never set on events themselves):
  // the seq and time of the edit whose content it shows (0: never edited);
  // recalled: content (and media) erased, only this tombstone remains;
  // reactions in the order their emoji first came.
  std::int64_t edit_seq = 0;
  std::int64_t edited_at = 0;
  bool recalled = false;
  std::vector<Reaction> reactions{};

  bool operator==(const Message&) const = default;
};

// A seq that holds no message and never will (cluster mode: the gateway that
// reserved it died before committing, docs/protocol.md "Holes"). Readers get
// {"conversation_id","seq","hole":true} in its place in PULL and HISTORY
// payloads and SYNC entries, so gap detection never waits for it.
struct HoleMarker {
  std::string conversation_id;
  std::int64_t seq = 0;

  bool operator==(const HoleMarker&) const = default;
};
std::string SerializeHole(const HoleMarker& hole);
// Whether a payload entry is a hole marker rather than a message.
bool IsHoleMarker(const boost::json::object& o);
base::Result<HoleMarker> HoleFromJson(const boost::json::object& o);

// The JSON text of `reactions` ([{"emoji","users"}...]), and back; the
// cluster store keeps it in a column.
std::string SerializeReactions(const std::vector<Reaction>& reactions);
base::Result<std::vector<Reaction>> ReactionsFromJson(std::string_view json_text);

// Compact JSON text of the message object; the second form with `seq` in
// place of m.seq (the store numbers a request's message without copying it).
std::string SerializeMessage(const Message& m);
std::string SerializeMessage(const Message& m, std::int64_t seq);
boost::json::object MessageToJson(const Message& m);
base::Result<Message> ParseMessage(std::string_view json_text);
base::Result<Message> MessageFromJson(const boost::json::object& o);

// {"cmd":5,"payload":<message_json>} built by concatenation, so a message
// serialized once is never serialized again on its way to many recipients.
std::string PushBody(std::string_view message_json);

// Joins already-serialized message objects into a JSON array text.
std::string JsonArrayOf(const std::string* first, std::size_t count);

}  // namespace parley::protocol
