#include "webhook/webhook_events.h"

#include "protocol/json_writer.h"

namespace parley::webhook {

std::string EventId(const Event& event) {
  return event.conversation_id + "/" + std::to_string(event.seq) +
         (event.type == EventType::kOffline ? "/offline" : "/created");
}

std::string EventsBody(const std::vector<Event>& events) {
  std::string out = R"({"events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (i) out.push_back(',');
    out.append(R"({"id":)");
    protocol::AppendJsonString(out, EventId(e));
    out.append(R"(,"type":)");
    protocol::AppendJsonString(out, e.type == EventType::kOffline ? "message.offline"
                                                                  : "message.created");
    out.append(R"(,"recipients":[)");
    for (std::size_t j = 0; j < e.recipients.size(); ++j) {
      if (j) out.push_back(',');
      protocol::AppendJsonString(out, e.recipients[j]);
    }
    out.append(R"(],"message":)");
    out.append(e.message_json);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

}  // namespace parley::webhook
