#include "core/sync_service.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "core/conversation_list.h"
#include "core/page_budget.h"
#include "protocol/commands.h"
#include "protocol/packet.h"
#include "protocol/requests.h"

namespace parley::core {
namespace json = boost::json;

namespace {

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
  if (sync.groups_since && *sync.groups_since < 0) {
    co_return base::MakeError(base::Code::kBadRequest, "groups_since must not be negative");
  }
  const std::size_t limit =
      sync.limit <= 0 ? kSyncDefaultLimit : std::min<std::size_t>(sync.limit, kSyncMaxLimit);
  // Stamped before anything is read: a message stored after the reads below
  // has a send_time past it (within the margin).
  const std::int64_t next_groups_since =
      std::max<std::int64_t>(0, clock_.NowMs() - kGroupsSinceMarginMs);
  PARLEY_CO_ASSIGN_OR_RETURN(InboxPage page,
                             co_await store_.ReadInbox(caller.user_id, sync.inbox_seq, limit));
  TrimToBudget(page.entries, page.has_more, [](const auto& e) { return e.message_json.size(); });

  // Groups only on the last page: a device reads the whole inbox first
  // (small groups are in it) and PULLs the listed groups after.
  json::array groups;
  bool truncated = false;
  if (!page.has_more) {
    PARLEY_CO_ASSIGN_OR_RETURN(std::vector<ConversationState> states,
                               co_await store_.ListConversations(caller.user_id));
    std::erase_if(states, [](const ConversationState& s) {
      return !s.conversation_id.starts_with("group_");
    });
    for (const ListedConversation& item : ByRecency(std::move(states))) {
      if (sync.groups_since && item.last_time < *sync.groups_since) break;  // the rest are older
      if (groups.size() == kSyncMaxGroups) {
        truncated = true;
        break;
      }
      groups.push_back(PositionJson(item));
    }
  }
  std::int64_t next = sync.inbox_seq;
  if (page.expired) {
    next = page.latest_inbox_seq;
  } else if (!page.entries.empty()) {
    next = page.entries.back().inbox_seq;
  }
  boost::json::object fields = {{"next_inbox_seq", next},
                                 {"has_more", page.has_more},
                                 {"expired", page.expired},
                                 {"conversations", std::move(groups)},
                                 {"conversations_truncated", truncated},
                                 {"next_groups_since", next_groups_since}};
  if (page.expired) {
    // A store that cannot tell says "retention", the reason both stores share.
    const ExpiredReason reason = page.expired_reason == ExpiredReason::kNone
                                     ? ExpiredReason::kRetention
                                     : page.expired_reason;
    fields["expired_reason"] = ExpiredReasonName(reason);
  }
  std::string body = protocol::OkResponse(protocol::Cmd::kSync, &request, std::move(fields));
  protocol::AppendRawField(body, "payload", EntriesJson(page.entries));
  co_return body;
}

}  // namespace parley::core
