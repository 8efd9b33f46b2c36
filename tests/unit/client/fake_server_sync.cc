// FakeServer's timelines and inboxes: appends with write diffusion, SYNC, and
// the per-conversation entries of SYNC and CONVERSATIONS listings.

#include <boost/json/serialize.hpp>

#include "base/ids.h"
#include "fake_server.h"
#include "protocol/packet.h"

namespace parley::client::testing {
namespace json = boost::json;
using protocol::Cmd;

std::set<std::string> FakeServer::Members(const std::string& conversation_id) const {
  auto ref = base::ParseConversationId(conversation_id);
  if (!ref) return {};
  if (ref->kind == base::ConversationKind::kPrivate) return {ref->first, ref->second};
  auto group = groups_.find(ref->first);
  return group == groups_.end() ? std::set<std::string>{} : group->second.members;
}

std::int64_t FakeServer::Append(const std::string& conversation_id, const std::string& sender,
                                const std::string& content, std::int64_t msg_type,
                                const std::set<std::string>& also) {
  auto& timeline = timelines_[conversation_id];
  protocol::Message m;
  m.seq = static_cast<std::int64_t>(timeline.size()) + 1;
  m.msg_id = "srv-" + std::to_string(m.seq);
  m.conversation_id = conversation_id;
  m.sender_id = sender;
  m.content = content;
  m.msg_type = msg_type;
  m.send_time = 1700000000000;
  timeline.push_back(m);

  std::set<std::string> readers = Members(conversation_id);
  if (readers.size() > fanout_threshold_) return m.seq;  // read diffusion: no inbox
  readers.insert(also.begin(), also.end());
  for (const std::string& user : readers) {
    Inbox& inbox = inboxes_[user];
    inbox.entries.push_back(InboxEntry{++inbox.last_seq, conversation_id, m.seq});
  }
  return m.seq;
}

json::object FakeServer::ConversationEntry(const std::string& user,
                                           const std::string& conversation_id) const {
  auto timeline = timelines_.find(conversation_id);
  std::int64_t max_seq = timeline == timelines_.end() ? 0 : timeline->second.size();
  auto ack = acks_.find(user + "/" + conversation_id);
  std::int64_t last_ack = ack == acks_.end() ? 0 : ack->second;
  return json::object{{"conversation_id", conversation_id},
                      {"max_seq", max_seq},
                      {"last_ack_seq", last_ack},
                      {"unread", max_seq - last_ack}};
}

void FakeServer::HandleSync(Session& s, const json::object& body) {
  std::int64_t cursor = *protocol::RequiredInt(body, "inbox_seq");
  std::int64_t limit = *protocol::OptionalInt(body, "limit", 200);
  Inbox& inbox = inboxes_[s.user];

  json::array groups;
  for (const auto& [id, group] : groups_) {
    if (group.members.contains(s.user)) {
      groups.push_back(ConversationEntry(s.user, base::GroupConversationId(id)));
    }
  }
  bool expired = cursor < inbox.expired_up_to;
  json::array payload;
  std::int64_t next = expired ? inbox.last_seq : cursor;
  bool has_more = false;
  for (const InboxEntry& entry : inbox.entries) {
    if (expired || entry.inbox_seq <= cursor) continue;
    if (static_cast<std::int64_t>(payload.size()) == limit) {
      has_more = true;
      break;
    }
    const protocol::Message& m = timelines_.at(entry.conversation_id).at(entry.seq - 1);
    payload.push_back(
        json::object{{"inbox_seq", entry.inbox_seq}, {"message", protocol::MessageToJson(m)}});
    next = entry.inbox_seq;
  }
  Reply(s, static_cast<std::uint16_t>(Cmd::kSync), body,
        {{"payload", payload},
         {"next_inbox_seq", next},
         {"has_more", has_more},
         {"expired", expired},
         {"conversations", groups}});
}

}  // namespace parley::client::testing
