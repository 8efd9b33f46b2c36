#pragma once
// A tiny in-process Parley server for client tests: plain Asio on its own
// thread, TCP frames on 127.0.0.1 (port 0), just enough of LOGIN, CHAT, PULL,
// HISTORY, ACK (with the notice to the user's other devices), CONVERSATIONS,
// SYNC, GROUP, TYPING (forwarded to the other members, unthrottled) and
// HEARTBEAT to drive the client. Any user logs in with
// password "pw"; tokens are "tok-<user>".
//
// Inboxes: every message of a private conversation, or of a group with at most
// the fanout threshold members, gets an inbox entry for each member (write
// diffusion); bigger groups only show up in SYNC's "conversations" listing.
//
// Files: fake_server.cc (sessions, 1:1 commands), fake_server_groups.cc
// (GROUP), fake_server_sync.cc (timelines, inboxes, SYNC).
//
// Thread contract: public methods may be called from the test thread; they
// run on the server thread and wait for it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "protocol/commands.h"
#include "protocol/frame_codec.h"
#include "protocol/message.h"

namespace parley::client::testing {

class FakeServer {
 public:
  FakeServer();
  ~FakeServer();

  std::uint16_t port() const { return port_; }

  // Appends a message as if sent by `sender` (inboxes included), without
  // pushing it (a push that got lost). Returns its seq.
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
  // Groups with more members than this are read diffusion (default 500).
  void SetFanoutThreshold(std::size_t members);
  // SYNC answers 404, as a server without it does.
  void DisableSync();
  // Forgets `user`'s inbox so far, as retention would: a SYNC from an older
  // cursor answers "expired".
  void ExpireInbox(const std::string& user);

  int logins() const;
  int token_logins() const;
  // Requests of that command `user` sent after logging in.
  int Requests(const std::string& user, protocol::Cmd cmd) const;
  std::size_t MessageCount(const std::string& conversation_id) const;

 private:
  struct Session {
    explicit Session(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
    boost::asio::ip::tcp::socket socket;
    protocol::FrameDecoder decoder;
    std::string user;
  };
  struct Group {
    std::string name;
    std::string owner;
    std::set<std::string> members;
  };
  struct InboxEntry {
    std::int64_t inbox_seq;
    std::string conversation_id;
    std::int64_t seq;
  };
  struct Inbox {
    std::vector<InboxEntry> entries;
    std::int64_t last_seq = 0;
    std::int64_t expired_up_to = 0;  // entries up to here are gone
  };

  void Accept();
  void Serve(std::shared_ptr<Session> session);
  void Write(Session& session, std::uint16_t cmd, const std::string& body);
  void Reply(Session& s, std::uint16_t cmd, const boost::json::object& request,
             boost::json::object fields = {});
  void Fail(Session& s, std::uint16_t cmd, const boost::json::object& request, base::Code code,
            std::string text);
  void Handle(Session& session, std::uint16_t cmd, const boost::json::object& body);
  void HandleChat(Session& s, const boost::json::object& body);
  void HandleAck(Session& s, const boost::json::object& body);
  void HandleConversations(Session& s, const boost::json::object& body);
  void HandleGroup(Session& s, const boost::json::object& body);
  void HandleSync(Session& s, const boost::json::object& body);
  void HandleTyping(Session& s, const boost::json::object& body);
  template <class F>
  auto Call(F f) const;

  // Timeline (fake_server_sync.cc): appends, writes the inboxes of the
  // conversation's members plus `also` (users who just left), returns the seq.
  std::int64_t Append(const std::string& conversation_id, const std::string& sender,
                      const std::string& content, std::int64_t msg_type,
                      const std::set<std::string>& also = {});
  std::set<std::string> Members(const std::string& conversation_id) const;
  boost::json::object ConversationEntry(const std::string& user,
                                        const std::string& conversation_id) const;

  mutable boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::map<std::string, std::vector<protocol::Message>> timelines_;
  std::map<std::string, std::int64_t> sent_msg_ids_;  // "sender/msg_id" -> seq
  std::map<std::string, std::int64_t> acks_;          // "user/conversation" -> last_ack_seq
  std::map<std::string, Group> groups_;
  std::map<std::string, Inbox> inboxes_;
  std::size_t fanout_threshold_ = 500;
  std::map<std::pair<std::string, protocol::Cmd>, int> requests_;
  int next_group_ = 1;
  int logins_ = 0;
  int token_logins_ = 0;
  bool drop_next_chat_answer_ = false;
  bool mute_ = false;
  bool sync_disabled_ = false;
  std::thread thread_;
};

}  // namespace parley::client::testing
