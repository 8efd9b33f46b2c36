#pragma once
// TYPING (cmd 10, docs/protocol.md "TYPING"): a member tells the others of a
// conversation that it is typing, or stopped. The event the server sends to
// the other members' online devices:
//   {"cmd":10,"event":"typing","conversation_id","user_id","typing":true|false}
// Nothing of it is stored. The request is in requests.h.
//
// Pure code: no I/O, no threads.

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace parley::protocol {

// The wire's "typing": true (kTyping) or false (kStopped).
enum class TypingState { kStopped, kTyping };

struct TypingEvent {
  std::string conversation_id;
  std::string user_id;  // who is typing: the authenticated sender, never the packet's word
  TypingState state = TypingState::kStopped;

  bool operator==(const TypingEvent&) const = default;
};

std::string TypingEventBody(const TypingEvent& event);
// The event a packet carries; nullopt for anything else (the answer to a
// TYPING request, an error packet, a malformed event).
std::optional<TypingEvent> ParseTypingEvent(const boost::json::object& packet);

}  // namespace parley::protocol
