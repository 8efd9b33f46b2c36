#include "protocol/typing.h"

#include <boost/json/serialize.hpp>

#include "protocol/commands.h"
#include "protocol/packet.h"

namespace parley::protocol {
namespace json = boost::json;

std::string TypingEventBody(const TypingEvent& event) {
  return json::serialize(json::object{{"cmd", static_cast<int>(Cmd::kTyping)},
                                      {"event", "typing"},
                                      {"conversation_id", event.conversation_id},
                                      {"user_id", event.user_id},
                                      {"typing", event.state == TypingState::kTyping}});
}

std::optional<TypingEvent> ParseTypingEvent(const json::object& packet) {
  auto event = OptionalString(packet, "event");
  if (!event || !*event || **event != "typing") return std::nullopt;
  auto conversation_id = RequiredString(packet, "conversation_id");
  auto user_id = RequiredString(packet, "user_id");
  auto typing = RequiredBool(packet, "typing");
  if (!conversation_id || !user_id || !typing) return std::nullopt;
  return TypingEvent{std::string(*conversation_id), std::string(*user_id),
                     *typing ? TypingState::kTyping : TypingState::kStopped};
}

}  // namespace parley::protocol
