#pragma once
// A core wired for tests: MemoryStore, LocalBus, FakeClock, and fake
// sessions that record what they are sent. Requests run to completion on
// one io_context.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <deque>

#include "cluster/local_bus.h"
#include "core/auth_service.h"
#include "core/dispatcher.h"
#include "core/group_service.h"
#include "core/message_service.h"
#include "core/sync_service.h"
#include "core/typing_service.h"
#include "unit/core/memory_store.h"

namespace parley::core::testing {

namespace json = boost::json;

class FakeSession final : public Session {
 public:
  explicit FakeSession(std::uint64_t id) : id_(id) {}
  std::uint64_t id() const override { return id_; }
  void Deliver(OutboundPacket packet) override { delivered.push_back(json::parse(*packet.body)); }
  void Close(std::string) override { closed = true; }

  std::deque<json::value> delivered;
  bool closed = false;

 private:
  std::uint64_t id_;
};

class CoreFixture {
 public:
  CoreFixture()
      : auth_(store_, clock_, AuthOptions{std::string(32, 'k'), std::chrono::hours(1), false},
              io_.get_executor()),
        messages_(store_, bus_, clock_, metrics_, MessageOptions{}),
        groups_(store_, bus_, clock_, metrics_, GroupOptions{}),
        sync_(store_, clock_),
        typing_(store_, bus_, clock_, metrics_, TypingOptions{kFanoutThreshold}),
        dispatcher_(auth_, messages_, groups_, sync_, typing_, bus_, metrics_) {}

  // Groups above this many members get no typing events (--fanout-threshold).
  static constexpr std::size_t kFanoutThreshold = 4;

  template <class T>
  T Run(asio::awaitable<T> task) {
    auto future = asio::co_spawn(io_, std::move(task), asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }

  struct Conn {
    ConnectionState state;
    FakeSession* session = nullptr;
  };

  // A connection; logged in as `user_id` when it is non-empty.
  std::unique_ptr<Conn> Connect(const std::string& user_id = {}) {
    auto conn = std::make_unique<Conn>();
    auto session = std::make_shared<FakeSession>(++next_session_);
    conn->session = session.get();
    conn->state.session = session;
    if (!user_id.empty()) {
      Register(user_id);
      EXPECT_TRUE(Run(dispatcher_.AuthenticateUpgrade(conn->state, auth_.IssueToken(user_id), "")));
    }
    return conn;
  }

  void Register(const std::string& user_id) {
    if (Run(store_.FindUser(user_id))) return;
    ASSERT_TRUE(Run(auth_.Register(user_id, "pw-" + user_id)));
  }

  json::object Send(Conn& conn, const json::object& request,
                    std::optional<std::uint16_t> header_cmd = std::nullopt) {
    std::optional<Reply> reply = HandleRaw(conn, json::serialize(request), header_cmd);
    if (!reply) {
      ADD_FAILURE() << "no answer to " << json::serialize(request);
      return {};
    }
    json::object body = json::parse(reply->body).as_object();
    EXPECT_EQ(body.at("cmd").as_int64(), reply->cmd);
    return body;
  }

  json::object SendRaw(Conn& conn, std::string_view body,
                       std::optional<std::uint16_t> header_cmd = std::nullopt) {
    std::optional<Reply> reply = HandleRaw(conn, body, header_cmd);
    if (!reply) {
      ADD_FAILURE() << "no answer to " << body;
      return {};
    }
    return json::parse(reply->body).as_object();
  }

  // The answer, if the request gets one (a TYPING without req_id does not).
  std::optional<Reply> HandleRaw(Conn& conn, std::string_view body,
                                 std::optional<std::uint16_t> header_cmd = std::nullopt) {
    return Run(dispatcher_.Handle(conn.state, header_cmd, body));
  }

  json::object Chat(Conn& conn, const std::string& to, const std::string& content,
                    const std::string& msg_id) {
    return Send(conn, {{"cmd", 2}, {"msg_id", msg_id}, {"to", to},
                       {"payload", {{"content", content}, {"msg_type", 1}}}});
  }

  asio::io_context io_;
  base::FakeClock clock_;
  base::Metrics metrics_;
  MemoryStore store_;
  cluster::LocalBus bus_;
  AuthService auth_;
  MessageService messages_;
  GroupService groups_;
  SyncService sync_;
  TypingService typing_;
  Dispatcher dispatcher_;
  std::uint64_t next_session_ = 0;
};

}  // namespace parley::core::testing
