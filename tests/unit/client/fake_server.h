#pragma once
// A tiny in-process Parley server for client tests: plain Asio on its own
// thread, TCP frames on 127.0.0.1 (port 0), just enough of LOGIN, CHAT, PULL,
// HISTORY, ACK, CONVERSATIONS and HEARTBEAT to drive the client. Any user
// logs in with password "pw"; tokens are "tok-<user>".
//
// Thread contract: public methods may be called from the test thread; they
// run on the server thread and wait for it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocol/message.h"

namespace parley::client::testing {

class FakeServer {
 public:
  FakeServer();
  ~FakeServer();

  std::uint16_t port() const { return port_; }

  // Appends a message as if sent by `sender`, without pushing it (a push that
  // got lost). Returns its seq.
  std::int64_t AppendSilently(const std::string& conversation_id, const std::string& sender,
                              const std::string& content);
  // Sends a PUSH of the stored message (conversation, seq) to `user`.
  void PushTo(const std::string& user, const std::string& conversation_id, std::int64_t seq);
  // Sends an arbitrary packet with header cmd `cmd` to `user`.
  void SendRaw(const std::string& user, std::uint16_t cmd, const std::string& body);
  // Closes every connection.
  void DropAll();
  // The next CHAT is stored, then the connection closes before the answer.
  void DropNextChatAnswer();
  // Requests are read but never answered while set.
  void SetMute(bool mute);

  int logins() const;
  int token_logins() const;
  std::size_t MessageCount(const std::string& conversation_id) const;

 private:
  struct Session;
  void Accept();
  void Serve(std::shared_ptr<Session> session);
  void Handle(Session& session, std::uint16_t cmd, const boost::json::object& body);
  void Write(Session& session, std::uint16_t cmd, const std::string& body);
  template <class F>
  auto Call(F f) const;

  mutable boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::map<std::string, std::vector<protocol::Message>> timelines_;
  std::map<std::string, std::int64_t> sent_msg_ids_;  // "sender/msg_id" -> seq
  int logins_ = 0;
  int token_logins_ = 0;
  bool drop_next_chat_answer_ = false;
  bool mute_ = false;
  std::thread thread_;
};

}  // namespace parley::client::testing
