#include "fake_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <future>

#include "base/ids.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"

namespace parley::client::testing {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::ip::tcp;
using protocol::Cmd;

struct FakeServer::Session {
  explicit Session(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  protocol::FrameDecoder decoder;
  std::string user;
};

FakeServer::FakeServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeServer::~FakeServer() {
  io_.stop();
  thread_.join();
}

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
  session->socket.async_read_some(
      asio::buffer(space.data(), space.size()),
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

void FakeServer::Handle(Session& s, std::uint16_t raw_cmd, const json::object& body) {
  auto reply = [&](json::object fields = {}) {
    Write(s, raw_cmd, protocol::OkResponse(static_cast<Cmd>(raw_cmd), &body, std::move(fields)));
  };
  auto fail = [&](base::Code code, std::string text) {
    Write(s, raw_cmd, protocol::ErrorResponse(raw_cmd, base::MakeError(code, std::move(text)), &body));
  };
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
      return fail(base::Code::kUnauthenticated, "wrong password");
    }
    ++logins_;
    return reply({{"user_id", s.user}, {"token", "tok-" + s.user}});
  }
  if (s.user.empty()) return fail(base::Code::kUnauthenticated, "log in first");
  if (mute_) return;

  switch (cmd) {
    case Cmd::kHeartbeat:
    case Cmd::kAck:
      return reply();
    case Cmd::kChat: {
      auto to = protocol::OptionalString(body, "to");
      std::string conv = to && *to ? base::PrivateConversationId(s.user, **to)
                                   : std::string(*protocol::RequiredString(body, "conversation_id"));
      std::string msg_id(*protocol::RequiredString(body, "msg_id"));
      const json::object& payload = **protocol::RequiredObject(body, "payload");
      std::string key = s.user + "/" + msg_id;
      std::int64_t seq;
      if (auto it = sent_msg_ids_.find(key); it != sent_msg_ids_.end()) {
        seq = it->second;
      } else {
        seq = AppendSilently(conv, s.user, std::string(*protocol::RequiredString(payload, "content")));
        timelines_[conv].back().msg_id = msg_id;
        sent_msg_ids_[key] = seq;
        if (auto ref = base::ParseConversationId(conv)) {
          PushTo(ref->first == s.user ? ref->second : ref->first, conv, seq);
        }
      }
      if (std::exchange(drop_next_chat_answer_, false)) {
        boost::system::error_code ignored;
        s.socket.close(ignored);
        return;
      }
      return reply({{"conversation_id", conv}, {"seq", seq}});
    }
    case Cmd::kPull: {
      std::string conv(*protocol::RequiredString(body, "conversation_id"));
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
      return reply({{"payload", page}, {"next_cursor_seq", next}, {"has_more", has_more}});
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
      return reply({{"payload", page}});
    }
    case Cmd::kConversations: {
      json::array list;
      for (const auto& [id, timeline] : timelines_) {
        auto ref = base::ParseConversationId(id);
        if (!ref || (ref->first != s.user && ref->second != s.user) || timeline.empty()) continue;
        std::int64_t max_seq = timeline.back().seq;
        list.push_back(json::object{{"conversation_id", id}, {"max_seq", max_seq},
                                    {"last_ack_seq", 0}, {"unread", max_seq},
                                    {"last_message", protocol::MessageToJson(timeline.back())}});
      }
      return reply({{"conversations", list}});
    }
    default:
      return fail(base::Code::kBadRequest, "unsupported");
  }
}

std::int64_t FakeServer::AppendSilently(const std::string& conversation_id,
                                        const std::string& sender, const std::string& content) {
  return Call([&] {
    auto& timeline = timelines_[conversation_id];
    protocol::Message m;
    m.seq = static_cast<std::int64_t>(timeline.size()) + 1;
    m.msg_id = "srv-" + std::to_string(m.seq);
    m.conversation_id = conversation_id;
    m.sender_id = sender;
    m.content = content;
    m.send_time = 1700000000000;
    timeline.push_back(m);
    return m.seq;
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
