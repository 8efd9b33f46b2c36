#pragma once
// An in-memory core::Store for core unit tests: the reference semantics of
// the interface, with no durability. Not thread-safe beyond one io_context.

#include <map>
#include <set>

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
      co_return AppendResult{it->second.second, true, std::make_shared<const std::string>(json)};
    }
    m.seq = ++max_seq_[m.conversation_id];
    std::string json = protocol::SerializeMessage(m);
    messages_[m.conversation_id][m.seq] = json;
    msg_ids_[key] = {m.conversation_id, m.seq};
    for (const std::string& member : request.members) {
      auto& ack = acks_[member][m.conversation_id];
      if (member == m.sender_id) ack = std::max(ack, m.seq);
    }
    co_return AppendResult{m.seq, false, std::make_shared<const std::string>(std::move(json))};
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
  void Close() override {}

  bool unavailable = false;

 private:
  std::map<std::string, UserRecord> users_;
  std::map<std::string, std::map<std::int64_t, std::string>> messages_;
  std::map<std::string, std::int64_t> max_seq_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::int64_t>> msg_ids_;
  std::map<std::string, std::map<std::string, std::int64_t>> acks_;
};

}  // namespace parley::core::testing
