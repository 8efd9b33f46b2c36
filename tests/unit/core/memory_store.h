#pragma once
// An in-memory core::Store for core unit tests: simple, with no durability.
// Group changes follow the rules both real stores use
// (store::ApplyGroupChange); what the real stores promise beyond that is
// checked by the store conformance suite (tests/unit/store_conformance),
// which runs against them, not against this. Not thread-safe beyond one
// io_context.

#include <map>
#include <set>

#include "base/ids.h"
#include "core/store.h"
#include "store/common/group_changes.h"

namespace parley::core::testing {

class MemoryStore : public Store {
 public:
  asio::awaitable<base::Result<void>> CreateUser(UserRecord user) override {
    if (users_.count(user.user_id)) co_return base::MakeError(base::Code::kConflict, "taken");
    users_[user.user_id] = user;
    co_return base::Result<void>{};
  }
  asio::awaitable<base::Result<UserRecord>> FindUser(std::string user_id) override {
    auto it = users_.find(user_id);
    if (it == users_.end()) co_return base::MakeError(base::Code::kNotFound, "no user");
    co_return it->second;
  }
  asio::awaitable<base::Result<UserRecord>> UpdateUser(UserUpdate update) override {
    auto it = users_.find(update.user_id);
    if (it == users_.end()) co_return base::MakeError(base::Code::kNotFound, "no user");
    it->second = Updated(it->second, update);
    co_return it->second;
  }
  asio::awaitable<base::Result<AppendResult>> Append(AppendRequest request) override {
    if (unavailable) co_return base::MakeError(base::Code::kUnavailable, "down");
    protocol::Message& m = request.message;
    auto key = std::make_pair(m.sender_id, m.msg_id);
    if (auto it = msg_ids_.find(key); it != msg_ids_.end()) {
      const std::string& json = messages_[it->second.first][it->second.second];
      co_return AppendResult{it->second.second, true, std::make_shared<const std::string>(json),
                             std::make_shared<const std::vector<std::string>>(
                                 RecipientsOf(it->second.first, request.members)),
                             false};
    }
    const std::int64_t next_seq = max_seq_[m.conversation_id] + 1;
    std::optional<store::GroupChangeOutcome> change;
    if (request.group_change) {
      auto it = groups_.find(request.group_change->group_id);
      auto applied = store::ApplyGroupChange(it == groups_.end() ? nullptr : it->second.get(),
                                             *request.group_change, m.send_time, next_seq);
      if (!applied) co_return applied.error();
      change = std::move(*applied);
    }
    std::vector<std::string> recipients;
    if (auto ref = base::ParseConversationId(m.conversation_id);
        ref && ref->kind == base::ConversationKind::kGroup) {
      if (change) {
        recipients = *change->recipients;
        groups_[ref->first] = change->group;
        for (const auto& u : change->added) acks_[u][m.conversation_id] = next_seq - 1;
      } else {
        auto group = groups_.find(ref->first);
        if (group == groups_.end()) co_return base::MakeError(base::Code::kNotFound, "no group");
        if (!group->second->IsMember(m.sender_id)) {
          co_return base::MakeError(base::Code::kForbidden, "not a member");
        }
        recipients = *group->second->info.members;
      }
    } else {
      recipients = request.members;
      for (const std::string& member : recipients) acks_[member][m.conversation_id];
    }
    m.seq = ++max_seq_[m.conversation_id];
    std::string json = protocol::SerializeMessage(m);
    messages_[m.conversation_id][m.seq] = json;
    msg_ids_[key] = {m.conversation_id, m.seq};
    auto& sender_ack = acks_[m.sender_id][m.conversation_id];
    sender_ack = std::max(sender_ack, m.seq);
    if (change) {
      for (const std::string& gone : change->removed) acks_[gone].erase(m.conversation_id);
    }
    const bool inboxed = recipients.size() <= fanout_threshold;
    if (inboxed) {
      for (const std::string& r : recipients) inbox_[r].push_back({m.conversation_id, m.seq});
    }
    co_return AppendResult{m.seq, false, std::make_shared<const std::string>(std::move(json)),
                           std::make_shared<const std::vector<std::string>>(recipients), inboxed};
  }
  asio::awaitable<base::Result<MessagePage>> ReadAfter(std::string conv, std::int64_t after,
                                                       std::size_t limit) override {
    MessagePage page;
    auto& msgs = messages_[conv];
    for (auto it = msgs.upper_bound(after); it != msgs.end(); ++it) {
      if (page.messages.size() == limit) {
        page.has_more = true;
        break;
      }
      page.messages.push_back(it->second);
    }
    co_return page;
  }
  asio::awaitable<base::Result<MessagePage>> ReadBefore(std::string conv, std::int64_t before,
                                                        std::size_t limit) override {
    MessagePage page;
    auto& msgs = messages_[conv];
    auto end = before <= 0 ? msgs.end() : msgs.lower_bound(before);
    for (auto it = std::make_reverse_iterator(end); it != msgs.rend(); ++it) {
      if (page.messages.size() == limit) {
        page.has_more = true;
        break;
      }
      page.messages.push_back(it->second);
    }
    co_return page;
  }
  asio::awaitable<base::Result<std::int64_t>> MaxSeq(std::string conv) override {
    co_return max_seq_[conv];
  }
  asio::awaitable<base::Result<std::int64_t>> Ack(std::string user, std::string conv,
                                                  std::int64_t seq) override {
    auto& ack = acks_[user][conv];
    ack = std::max(ack, seq);
    co_return ack;
  }
  asio::awaitable<base::Result<std::int64_t>> AckDelivered(std::string user, std::string conv,
                                                           std::int64_t seq) override {
    auto& delivered = delivered_[{user, conv}];
    delivered = std::max(delivered, seq);
    co_return delivered;
  }
  asio::awaitable<base::Result<std::vector<ReceiptPositions>>> ReadReceipts(
      std::string conv, std::vector<std::string> users) override {
    std::vector<ReceiptPositions> out;
    for (const std::string& user : users) {
      auto read = acks_[user].find(conv);
      out.push_back({user, read == acks_[user].end() ? 0 : read->second, delivered_[{user, conv}]});
    }
    co_return out;
  }
  asio::awaitable<base::Result<std::vector<ConversationState>>> ListConversations(
      std::string user) override {
    std::vector<ConversationState> out;
    for (const auto& [conv, ack] : acks_[user]) {
      std::int64_t max = max_seq_[conv];
      if (max == 0) continue;
      out.push_back({conv, max, ack, messages_[conv][max]});
    }
    co_return out;
  }
  asio::awaitable<base::Result<GroupInfo>> GetGroup(std::string group_id) override {
    auto it = groups_.find(group_id);
    if (it == groups_.end()) co_return base::MakeError(base::Code::kNotFound, "no such group");
    co_return it->second->info;
  }
  asio::awaitable<base::Result<std::vector<GroupInfo>>> GroupsOf(std::string user) override {
    std::vector<GroupInfo> out;
    for (const auto& [id, g] : groups_) {
      if (g->IsMember(user)) out.push_back(g->info);
    }
    co_return out;
  }
  asio::awaitable<base::Result<InboxPage>> ReadInbox(std::string user, std::int64_t after,
                                                     std::size_t limit) override {
    InboxPage page;
    auto& entries = inbox_[user];
    page.latest_inbox_seq = static_cast<std::int64_t>(entries.size());
    if (after < trimmed_upto_[user] && after < page.latest_inbox_seq) {
      page.expired = true;
      page.expired_reason = ExpiredReason::kCapped;
      co_return page;
    }
    for (std::int64_t i = after; i < page.latest_inbox_seq; ++i) {
      if (page.entries.size() == limit) {
        page.has_more = true;
        break;
      }
      const auto& [conv, seq] = entries[static_cast<std::size_t>(i)];
      page.entries.push_back({i + 1, messages_[conv][seq]});
    }
    co_return page;
  }
  // No webhook outbox: the core tests do not turn webhooks on.
  asio::awaitable<base::Result<std::vector<OutboxEntry>>> ClaimOutbox(
      std::string, std::size_t, std::chrono::milliseconds) override {
    co_return std::vector<OutboxEntry>{};
  }
  asio::awaitable<base::Result<void>> FinishOutbox(std::vector<std::int64_t>) override {
    co_return base::Result<void>{};
  }
  asio::awaitable<base::Result<void>> PostponeOutbox(std::vector<std::int64_t>,
                                                     std::int64_t) override {
    co_return base::Result<void>{};
  }
  void Close() override {}

  // Entries up to inbox_seq `upto` count as dropped by retention.
  void TrimInboxForTest(const std::string& user, std::int64_t upto) { trimmed_upto_[user] = upto; }

  bool unavailable = false;
  std::size_t fanout_threshold = 500;

 private:
  std::vector<std::string> RecipientsOf(const std::string& conv,
                                        const std::vector<std::string>& members) {
    auto ref = base::ParseConversationId(conv);
    if (ref && ref->kind == base::ConversationKind::kGroup && groups_.count(ref->first)) {
      return *groups_[ref->first]->info.members;
    }
    return members;
  }

  std::map<std::string, store::GroupPtr> groups_;
  std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> inbox_;
  std::map<std::string, std::int64_t> trimmed_upto_;
  std::map<std::string, UserRecord> users_;
  std::map<std::string, std::map<std::int64_t, std::string>> messages_;
  std::map<std::string, std::int64_t> max_seq_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::int64_t>> msg_ids_;
  std::map<std::string, std::map<std::string, std::int64_t>> acks_;
  std::map<std::pair<std::string, std::string>, std::int64_t> delivered_;
};

}  // namespace parley::core::testing
