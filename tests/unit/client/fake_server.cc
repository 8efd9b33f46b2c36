#include "fake_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <future>

#include "base/ids.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"
#include "protocol/typing.h"

namespace parley::client::testing {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::ip::tcp;
using protocol::Cmd;

FakeServer::FakeServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeServer::~FakeServer() {
  io_.stop();
  thread_.join();
}

// Every public method lives in this file, so only it needs Call.
template <class F>
auto FakeServer::Call(F f) const {
  if (io_.get_executor().running_in_this_thread()) return f();
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io_, [&task] { task(); });
  return result.get();
}

void FakeServer::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto session = std::make_shared<Session>(std::move(socket));
    sessions_.push_back(session);
    Serve(session);
    Accept();
  });
}

void FakeServer::Serve(std::shared_ptr<Session> session) {
  auto space = session->decoder.WritableSpace();
  session->socket.async_read_some(asio::buffer(space.data(), space.size()),
                                  [this, session](boost::system::error_code ec, std::size_t n) {
                                    if (ec) return std::erase(sessions_, session), void();
                                    session->decoder.Commit(n);
                                    for (;;) {
                                      auto frame = session->decoder.Next();
                                      if (!frame || !*frame) break;
                                      auto body = protocol::ParseObject((*frame)->body);
                                      if (body) Handle(*session, (*frame)->cmd, *body);
                                    }
                                    if (session->socket.is_open()) {
                                      Serve(session);
                                    } else {
                                      std::erase(sessions_, session);
                                    }
                                  });
}

void FakeServer::Write(Session& session, std::uint16_t cmd, const std::string& body) {
  boost::system::error_code ignored;
  asio::write(session.socket, asio::buffer(protocol::EncodeFrame(cmd, body)), ignored);
}

void FakeServer::Reply(Session& s, std::uint16_t cmd, const json::object& request,
                       json::object fields) {
  Write(s, cmd, protocol::OkResponse(static_cast<Cmd>(cmd), &request, std::move(fields)));
}

void FakeServer::Fail(Session& s, std::uint16_t cmd, const json::object& request, base::Code code,
                      std::string text) {
  Write(s, cmd, protocol::ErrorResponse(cmd, base::MakeError(code, std::move(text)), &request));
}

void FakeServer::Handle(Session& s, std::uint16_t raw_cmd, const json::object& body) {
  Cmd cmd = static_cast<Cmd>(raw_cmd);
  if (cmd == Cmd::kLogin) {
    auto token = protocol::OptionalString(body, "token");
    auto user = protocol::OptionalString(body, "user_id");
    auto password = protocol::OptionalString(body, "password");
    if (token && *token && (*token)->starts_with("tok-")) {
      s.user = std::string((*token)->substr(4));
      ++token_logins_;
    } else if (user && *user && password && *password && **password == "pw") {
      s.user = std::string(**user);
    } else {
      return Fail(s, raw_cmd, body, base::Code::kUnauthenticated, "wrong password");
    }
    ++logins_;
    return Reply(s, raw_cmd, body, {{"user_id", s.user}, {"token", "tok-" + s.user}});
  }
  if (s.user.empty()) return Fail(s, raw_cmd, body, base::Code::kUnauthenticated, "log in first");
  ++requests_[{s.user, cmd}];
  if (mute_) return;

  switch (cmd) {
    case Cmd::kHeartbeat:
      return Reply(s, raw_cmd, body);
    case Cmd::kChat:
      return HandleChat(s, body);
    case Cmd::kAck:
      return HandleAck(s, body);
    case Cmd::kPull: {
      std::string conv(*protocol::RequiredString(body, "conversation_id"));
      if (!Members(conv).contains(s.user))
        return Fail(s, raw_cmd, body, base::Code::kForbidden, "not a member");
      std::int64_t cursor = *protocol::RequiredInt(body, "cursor_seq");
      std::int64_t limit = *protocol::OptionalInt(body, "limit", 100);
      const auto& timeline = timelines_[conv];
      json::array page;
      std::int64_t next = cursor;
      for (const auto& m : timeline) {
        if (m.seq <= cursor) continue;
        if (static_cast<std::int64_t>(page.size()) == limit) break;
        page.push_back(protocol::MessageToJson(m));
        next = m.seq;
      }
      bool has_more = !timeline.empty() && timeline.back().seq > next;
      return Reply(s, raw_cmd, body,
                   {{"payload", page}, {"next_cursor_seq", next}, {"has_more", has_more}});
    }
    case Cmd::kHistory: {
      std::string conv(*protocol::RequiredString(body, "conversation_id"));
      std::int64_t before = *protocol::OptionalInt(body, "before_seq", 0);
      std::int64_t limit = *protocol::OptionalInt(body, "limit", 20);
      json::array page;
      const auto& timeline = timelines_[conv];
      for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
        if (before != 0 && it->seq >= before) continue;
        if (static_cast<std::int64_t>(page.size()) == limit) break;
        page.push_back(protocol::MessageToJson(*it));
      }
      return Reply(s, raw_cmd, body, {{"payload", page}});
    }
    case Cmd::kConversations:
      return HandleConversations(s, body);
    case Cmd::kGroup:
      return HandleGroup(s, body);
    case Cmd::kTyping:
      return HandleTyping(s, body);
    case Cmd::kSync:
      if (sync_disabled_) return Fail(s, raw_cmd, body, base::Code::kNotFound, "no SYNC here");
      return HandleSync(s, body);
    default:
      return Fail(s, raw_cmd, body, base::Code::kBadRequest, "unsupported");
  }
}

void FakeServer::HandleTyping(Session& s, const json::object& body) {
  constexpr auto kCmd = static_cast<std::uint16_t>(Cmd::kTyping);
  std::string conv(*protocol::RequiredString(body, "conversation_id"));
  const std::set<std::string> members = Members(conv);
  if (!members.contains(s.user)) return Fail(s, kCmd, body, base::Code::kForbidden, "not a member");
  const auto state = body.at("typing").as_bool() ? protocol::TypingState::kTyping
                                                 : protocol::TypingState::kStopped;
  const std::string event = protocol::TypingEventBody({conv, s.user, state});
  for (auto& session : sessions_) {
    if (session->user != s.user && members.contains(session->user)) {
      Write(*session, kCmd, event);
    }
  }
  if (body.contains("req_id")) Reply(s, kCmd, body);
}

void FakeServer::HandleChat(Session& s, const json::object& body) {
  constexpr auto kCmd = static_cast<std::uint16_t>(Cmd::kChat);
  auto to = protocol::OptionalString(body, "to");
  std::string conv = to && *to ? base::PrivateConversationId(s.user, **to)
                               : std::string(*protocol::RequiredString(body, "conversation_id"));
  std::set<std::string> members = Members(conv);
  if (!members.contains(s.user)) return Fail(s, kCmd, body, base::Code::kForbidden, "not a member");
  std::string msg_id(*protocol::RequiredString(body, "msg_id"));
  const json::object& payload = **protocol::RequiredObject(body, "payload");
  std::string key = s.user + "/" + msg_id;
  std::int64_t seq;
  if (auto it = sent_msg_ids_.find(key); it != sent_msg_ids_.end()) {
    seq = it->second;
  } else {
    seq = Append(conv, s.user, std::string(*protocol::RequiredString(payload, "content")),
                 protocol::kMsgTypeText);
    timelines_[conv].back().msg_id = msg_id;
    sent_msg_ids_[key] = seq;
    for (const std::string& member : members) {
      if (member != s.user) PushTo(member, conv, seq);
    }
  }
  if (std::exchange(drop_next_chat_answer_, false)) {
    boost::system::error_code ignored;
    s.socket.close(ignored);
    return;
  }
  Reply(s, kCmd, body, {{"conversation_id", conv}, {"seq", seq}});
}

void FakeServer::HandleAck(Session& s, const json::object& body) {
  constexpr auto kCmd = static_cast<std::uint16_t>(Cmd::kAck);
  std::string conv(*protocol::RequiredString(body, "conversation_id"));
  std::int64_t& ack = acks_[s.user + "/" + conv];
  ack = std::max(ack, *protocol::RequiredInt(body, "seq"));
  Reply(s, kCmd, body);
  std::string notice = json::serialize(json::object{
      {"cmd", 4}, {"code", 0}, {"event", "ack"}, {"conversation_id", conv}, {"last_ack_seq", ack}});
  for (auto& other : sessions_) {
    if (other.get() != &s && other->user == s.user) Write(*other, kCmd, notice);
  }
}

void FakeServer::HandleConversations(Session& s, const json::object& body) {
  json::array list;
  for (const auto& [id, timeline] : timelines_) {
    if (timeline.empty() || !Members(id).contains(s.user)) continue;
    json::object entry = ConversationEntry(s.user, id);
    entry["last_message"] = protocol::MessageToJson(timeline.back());
    list.push_back(std::move(entry));
  }
  Reply(s, static_cast<std::uint16_t>(Cmd::kConversations), body, {{"conversations", list}});
}

std::int64_t FakeServer::AppendSilently(const std::string& conversation_id,
                                        const std::string& sender, const std::string& content) {
  return Call([&] { return Append(conversation_id, sender, content, protocol::kMsgTypeText); });
}

void FakeServer::ExpireInbox(const std::string& user) {
  Call([&] {
    Inbox& inbox = inboxes_[user];
    inbox.entries.clear();
    inbox.expired_up_to = inbox.last_seq;
  });
}

void FakeServer::PushTo(const std::string& user, const std::string& conversation_id,
                        std::int64_t seq) {
  Call([&] {
    const protocol::Message& m = timelines_.at(conversation_id).at(seq - 1);
    std::string body = protocol::PushBody(protocol::SerializeMessage(m));
    for (auto& session : sessions_) {
      if (session->user == user) Write(*session, static_cast<std::uint16_t>(Cmd::kPush), body);
    }
  });
}

void FakeServer::SendRaw(const std::string& user, std::uint16_t cmd, const std::string& body) {
  Call([&] {
    for (auto& session : sessions_) {
      if (session->user == user) Write(*session, cmd, body);
    }
  });
}

void FakeServer::DropAll() {
  Call([&] {
    for (auto& session : sessions_) {
      boost::system::error_code ignored;
      session->socket.close(ignored);
    }
  });
}

void FakeServer::DropNextChatAnswer() {
  Call([&] { drop_next_chat_answer_ = true; });
}
void FakeServer::SetMute(bool mute) {
  Call([&] { mute_ = mute; });
}
void FakeServer::DisableSync() {
  Call([&] { sync_disabled_ = true; });
}
void FakeServer::SetFanoutThreshold(std::size_t members) {
  Call([&] { fanout_threshold_ = members; });
}
int FakeServer::Requests(const std::string& user, Cmd cmd) const {
  return Call([&] {
    auto it = requests_.find({user, cmd});
    return it == requests_.end() ? 0 : it->second;
  });
}
int FakeServer::logins() const {
  return Call([&] { return logins_; });
}
int FakeServer::token_logins() const {
  return Call([&] { return token_logins_; });
}
std::size_t FakeServer::MessageCount(const std::string& conversation_id) const {
  return Call([&] {
    auto it = timelines_.find(conversation_id);
    return it == timelines_.end() ? std::size_t{0} : it->second.size();
  });
}

}  // namespace parley::client::testing
