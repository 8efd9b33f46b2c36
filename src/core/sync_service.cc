#include "core/sync_service.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "core/page_budget.h"
#include "protocol/commands.h"
#include "protocol/packet.h"
#include "protocol/requests.h"

namespace parley::core {
namespace json = boost::json;

namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 500;

// [{"inbox_seq":N,"message":<stored JSON>},...] built by concatenation: the
// stored message bytes are never parsed again.
std::string EntriesJson(const std::vector<InboxEntry>& entries) {
  std::string out = "[";
  for (const InboxEntry& e : entries) {
    if (out.size() > 1) out.push_back(',');
    out.append(R"({"inbox_seq":)").append(std::to_string(e.inbox_seq));
    out.append(R"(,"message":)").append(e.message_json).push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace

asio::awaitable<base::Result<std::string>> SyncService::Sync(const Caller& caller,
                                                             const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::SyncRequest sync, protocol::ParseSync(request));
  if (sync.inbox_seq < 0) {
    co_return base::MakeError(base::Code::kBadRequest, "inbox_seq must not be negative");
  }
  const std::size_t limit =
      sync.limit <= 0 ? kDefaultLimit : std::min<std::size_t>(sync.limit, kMaxLimit);
  PARLEY_CO_ASSIGN_OR_RETURN(InboxPage page,
                             co_await store_.ReadInbox(caller.user_id, sync.inbox_seq, limit));
  TrimToBudget(page.entries, page.has_more, [](const auto& e) { return e.message_json.size(); });
  PARLEY_CO_ASSIGN_OR_RETURN(std::vector<ConversationState> states,
                             co_await store_.ListConversations(caller.user_id));

  json::array groups;
  for (const ConversationState& s : states) {
    if (!s.conversation_id.starts_with("group_")) continue;
    groups.push_back(json::object{{"conversation_id", s.conversation_id},
                                  {"max_seq", s.max_seq},
                                  {"last_ack_seq", s.last_ack_seq},
                                  {"unread", std::max<std::int64_t>(0, s.max_seq - s.last_ack_seq)}});
  }
  std::int64_t next = sync.inbox_seq;
  if (page.expired) {
    next = page.latest_inbox_seq;
  } else if (!page.entries.empty()) {
    next = page.entries.back().inbox_seq;
  }
  std::string body = protocol::OkResponse(protocol::Cmd::kSync, &request,
                                          {{"next_inbox_seq", next},
                                           {"has_more", page.has_more},
                                           {"expired", page.expired},
                                           {"conversations", std::move(groups)}});
  protocol::AppendRawField(body, "payload", EntriesJson(page.entries));
  co_return body;
}

}  // namespace parley::core
