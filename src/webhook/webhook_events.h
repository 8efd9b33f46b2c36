#pragma once
// The JSON a webhook receiver gets (docs/protocol.md "Webhooks"):
//   POST body  {"events":[event...]}
//   event      {"id","type","recipients":[user_id...],"message":<message object>}
// type "message.offline": `recipients` are the message's recipients with no
// online device when the gateway looked; "message.created" (with
// --webhook-events all): every recipient but the sender. The id is the same
// on every attempt and every gateway ("<conversation_id>/<seq>/<kind>"), so
// a receiver drops repeats by id (delivery is at least once).
//
// Threads: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace parley::webhook {

enum class EventType { kOffline, kCreated };

struct Event {
  EventType type = EventType::kOffline;
  std::string conversation_id;
  std::int64_t seq = 0;
  std::vector<std::string> recipients;
  std::string message_json;  // the message object as stored (its current state)
};

std::string EventId(const Event& event);
std::string EventsBody(const std::vector<Event>& events);

}  // namespace parley::webhook
