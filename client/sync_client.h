#pragma once
// Blocking facade over Client for the CLI and tests: owns an io_context and
// the one thread that runs it; each method waits for its answer.
//
// Thread contract: methods may be called from any thread except the client's
// own (inside a push or state handler they return 500 instead of deadlocking).
// Every wait is bounded by the request (or connect) timeout.

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/client.h"

namespace parley::client {

class SyncClient {
 public:
  explicit SyncClient(ClientOptions options);
  ~SyncClient();  // closes the session and joins the thread
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  // Handlers run on the client's thread; set them before logging in.
  void SetPushHandler(Client::PushHandler handler);
  void SetStateHandler(Client::StateHandler handler);

  // LOGIN with a password (may be retried after a failure, e.g. once the
  // user is registered) or with a token.
  base::Result<LoginReply> Login(std::string_view user_id, std::string_view password);
  base::Result<LoginReply> LoginWithToken(std::string_view token);

  // CHAT to a user (`to`) or a conversation; returns the server's ack. Reusing
  // a msg_id makes a retry idempotent.
  base::Result<SendAck> Send(Outgoing message);
  base::Result<SendAck> SendTo(std::string_view user_id, std::string_view content);
  base::Result<SendAck> SendToConversation(std::string_view conversation_id,
                                           std::string_view content);

  base::Result<PullPage> Pull(std::string_view conversation_id, std::int64_t cursor_seq,
                              std::int64_t limit);
  // Newest first; before_seq 0 means from the newest message.
  base::Result<std::vector<protocol::Message>> History(std::string_view conversation_id,
                                                       std::int64_t before_seq,
                                                       std::int64_t limit);
  base::Result<void> Ack(std::string_view conversation_id, std::int64_t seq);
  base::Result<std::vector<ConversationInfo>> Conversations();
  // Any request (the body carries "cmd"); the answer when its code is 0.
  base::Result<boost::json::object> Request(boost::json::object body);

  void SetCursor(std::string_view conversation_id, std::int64_t delivered_seq);
  void Catchup(std::string_view conversation_id, std::int64_t from_seq);

  // The asynchronous client, for fire-and-forget calls from handlers.
  Client& Async() { return client_; }

 private:
  template <class T, class Start>
  base::Result<T> Wait(Start start);

  ClientOptions options_;
  boost::asio::io_context io_;
  Client client_;
  std::thread thread_;
};

}  // namespace parley::client
