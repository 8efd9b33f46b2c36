#pragma once
// An in-memory core::Store for core unit tests: the reference semantics of
// the interface, with no durability. Not thread-safe beyond one io_context.

#include <map>
#include <set>

#include "base/ids.h"
#include "core/store.h"

namespace parley::core::testing {

class MemoryStore final : public Store {
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
    std::set<std::string> departed;
    if (request.group_change) {
      auto applied = ApplyChange(*request.group_change, departed);
      if (!applied) co_return applied.error();
    }
    std::vector<std::string> recipients;
    if (auto ref = base::ParseConversationId(m.conversation_id);
        ref && ref->kind == base::ConversationKind::kGroup) {
      auto group = groups_.find(ref->first);
      if (group == groups_.end()) co_return base::MakeError(base::Code::kNotFound, "no group");
      if (!group->second.members.count(m.sender_id) && !departed.count(m.sender_id)) {
        co_return base::MakeError(base::Code::kForbidden, "not a member");
      }
      recipients.assign(group->second.members.begin(), group->second.members.end());
      recipients.insert(recipients.end(), departed.begin(), departed.end());
      std::sort(recipients.begin(), recipients.end());
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
    for (const std::string& gone : departed) acks_[gone].erase(m.conversation_id);
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
    co_return Info(it->first, it->second);
  }
  asio::awaitable<base::Result<std::vector<GroupInfo>>> GroupsOf(std::string user) override {
    std::vector<GroupInfo> out;
    for (const auto& [id, g] : groups_) {
      if (g.members.count(user)) out.push_back(Info(id, g));
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
  void Close() override {}

  // Entries up to inbox_seq `upto` count as dropped by retention.
  void TrimInboxForTest(const std::string& user, std::int64_t upto) { trimmed_upto_[user] = upto; }

  bool unavailable = false;
  std::size_t fanout_threshold = 500;

 private:
  struct Group {
    std::string name;
    std::string owner;
    std::set<std::string> members;
  };

  static GroupInfo Info(const std::string& id, const Group& g) {
    return GroupInfo{id, g.name, g.owner, 0,
                     std::make_shared<const std::vector<std::string>>(g.members.begin(),
                                                                      g.members.end())};
  }

  std::vector<std::string> RecipientsOf(const std::string& conv,
                                        const std::vector<std::string>& members) {
    auto ref = base::ParseConversationId(conv);
    if (ref && ref->kind == base::ConversationKind::kGroup && groups_.count(ref->first)) {
      const auto& m = groups_[ref->first].members;
      return {m.begin(), m.end()};
    }
    return members;
  }

  base::Result<void> ApplyChange(const GroupChange& c, std::set<std::string>& departed) {
    auto err = [](base::Code code, const char* text) { return base::MakeError(code, text); };
    auto it = groups_.find(c.group_id);
    if (c.op == GroupOp::kCreate) {
      if (it != groups_.end()) return err(base::Code::kConflict, "group exists");
      Group& g = groups_[c.group_id];
      g.name = c.name;
      g.owner = c.actor;
      g.members.insert(c.actor);
      g.members.insert(c.users.begin(), c.users.end());
      for (const auto& u : g.members) acks_[u]["group_" + c.group_id];
      return {};
    }
    if (it == groups_.end()) return err(base::Code::kNotFound, "no such group");
    Group& g = it->second;
    const std::string conv = "group_" + c.group_id;
    switch (c.op) {
      case GroupOp::kJoin:
        if (!g.members.insert(c.actor).second) return err(base::Code::kConflict, "member");
        acks_[c.actor][conv];
        return {};
      case GroupOp::kLeave:
        if (!g.members.erase(c.actor)) return err(base::Code::kNotFound, "not a member");
        departed.insert(c.actor);
        if (g.owner == c.actor && !g.members.empty()) g.owner = *g.members.begin();
        return {};
      case GroupOp::kInvite: {
        if (!g.members.count(c.actor)) return err(base::Code::kForbidden, "not a member");
        std::size_t added = 0;
        for (const auto& u : c.users) {
          if (g.members.insert(u).second) {
            ++added;
            acks_[u][conv];
          }
        }
        if (added == 0) return err(base::Code::kConflict, "all already members");
        return {};
      }
      case GroupOp::kKick:
        if (g.owner != c.actor) return err(base::Code::kForbidden, "not the owner");
        for (const auto& u : c.users) {
          if (!g.members.count(u)) return err(base::Code::kNotFound, "not a member");
        }
        for (const auto& u : c.users) {
          g.members.erase(u);
          departed.insert(u);
        }
        return {};
      case GroupOp::kCreate: break;
    }
    return {};
  }

  std::map<std::string, Group> groups_;
  std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> inbox_;
  std::map<std::string, std::int64_t> trimmed_upto_;
  std::map<std::string, UserRecord> users_;
  std::map<std::string, std::map<std::int64_t, std::string>> messages_;
  std::map<std::string, std::int64_t> max_seq_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::int64_t>> msg_ids_;
  std::map<std::string, std::map<std::string, std::int64_t>> acks_;
};

}  // namespace parley::core::testing
