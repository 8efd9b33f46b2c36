#include "core/conversation_list.h"

#include <algorithm>
#include <charconv>


namespace parley::core {
namespace json = boost::json;

namespace {

// Whether `a` is listed before `b`.
bool Before(std::int64_t a_time, std::string_view a_id, std::int64_t b_time,
            std::string_view b_id) {
  if (a_time != b_time) return a_time > b_time;
  return a_id < b_id;
}

}  // namespace

std::vector<ListedConversation> ByRecency(std::vector<ConversationState> states) {
  std::vector<ListedConversation> out;
  out.reserve(states.size());
  for (ConversationState& s : states) {
    std::optional<protocol::Message> last;
    if (auto parsed = protocol::ParseMessage(s.last_message_json)) last = std::move(*parsed);
    const std::int64_t last_time = last ? last->send_time : 0;
    out.push_back({std::move(s), std::move(last), last_time});
  }
  std::sort(out.begin(), out.end(), [](const ListedConversation& a, const ListedConversation& b) {
    return Before(a.last_time, a.state.conversation_id, b.last_time, b.state.conversation_id);
  });
  return out;
}

std::string EncodeCursor(const ListedConversation& item) {
  return std::to_string(item.last_time) + ":" + item.state.conversation_id;
}

std::optional<ListCursor> DecodeCursor(std::string_view cursor) {
  const std::size_t colon = cursor.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  ListCursor out;
  const char* end = cursor.data() + colon;
  const auto [ptr, ec] = std::from_chars(cursor.data(), end, out.last_time);
  if (ec != std::errc() || ptr != end || out.last_time < 0) return std::nullopt;
  out.conversation_id = cursor.substr(colon + 1);
  if (out.conversation_id.empty()) return std::nullopt;
  return out;
}

std::size_t FirstAfter(const std::vector<ListedConversation>& sorted, const ListCursor& cursor) {
  const auto it = std::partition_point(
      sorted.begin(), sorted.end(), [&cursor](const ListedConversation& item) {
        return !Before(cursor.last_time, cursor.conversation_id, item.last_time,
                       item.state.conversation_id);
      });
  return static_cast<std::size_t>(it - sorted.begin());
}

json::object PositionJson(const ListedConversation& item) {
  const ConversationState& s = item.state;
  return json::object{{"conversation_id", s.conversation_id},
                      {"max_seq", s.max_seq},
                      {"last_ack_seq", s.last_ack_seq},
                      {"unread", std::max<std::int64_t>(0, s.max_seq - s.last_ack_seq)}};
}

json::object SummaryJson(const ListedConversation& item) {
  json::object o = PositionJson(item);
  o["last_message"] = item.last ? protocol::MessageToJson(*item.last) : json::value(nullptr);
  return o;
}

}  // namespace parley::core
