#pragma once
// A lean XMPP client session for the IM peers of the report (xmpp_chat.cc):
// one plain TCP socket, libexpat fed incrementally, and the few steps a
// mobile client takes before it chats: open the stream, in-band
// registration (XEP-0077) or SASL PLAIN, stream restart, resource bind,
// stream management (XEP-0198), initial presence.
//
//   connect → <stream> → features ─┬─ kRegister: <iq register> → result → Close
//                                  └─ kChat: <auth PLAIN> → <success/> → restart
//   restart → <stream> → features → <bind> → result → <enable/> <presence/> <r/>
//           → <enabled/> … <a h≥1/>  = ready (the server has the presence)
//
// Once ready, SendChat() sends one <message type='chat'> followed by <r/>;
// every <a h='N'/> from the server reports, through on_acked, how many of
// this session's stanzas the server has handled. Every <r/> from the server
// is answered with <a h/> counting the stanzas received, as a client must.
//
// Thread contract: every method runs on the io_context the session was made
// with; the handlers are called there too. The owner keeps the session alive
// until that io_context has stopped.

#include <expat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "tools/bench/conn.h"

namespace parley::bench {

struct XmppAccount {
  std::string user;  // node part; the JID is user@domain
  std::string password;
  std::string domain;
};

class XmppSession {
 public:
  enum class Goal { kRegister, kChat };
  // What the handshake has reached. kDone: registered and closed (kRegister)
  // or ready to chat (kChat). kFailed: `error()` says at which step.
  enum class State {
    kIdle,
    kConnecting,
    kStreamOpening,  // waiting for the stream's features
    kRegistering,
    kAuthenticating,
    kRestarting,  // <success/> parsed: a new stream once the parser has returned
    kBinding,
    kEnabling,  // <enable/> <presence/> <r/> sent, waiting for <enabled/> and <a/>
    kDone,
    kClosed,  // by Close(): what the socket reports after that is no failure
    kFailed,
  };
  using DoneHandler = std::function<void(State)>;  // kDone or kFailed, once
  // `handled`: the server's h, stanzas of this session it has handled so far.
  using AckHandler = std::function<void(std::uint64_t handled)>;
  using MessageHandler = std::function<void(std::string_view body)>;

  XmppSession(boost::asio::io_context& io, Target target, XmppAccount account, Goal goal);
  ~XmppSession();
  XmppSession(const XmppSession&) = delete;
  XmppSession& operator=(const XmppSession&) = delete;

  void Start(DoneHandler on_done);
  void OnAcked(AckHandler h) { on_acked_ = std::move(h); }
  void OnMessage(MessageHandler h) { on_message_ = std::move(h); }

  // After kDone with kChat: a chat message to `to` (a bare JID), then <r/>.
  // Returns the stanza's number in this session's SM count: acked once the
  // server's h reaches it.
  std::uint64_t SendChat(std::string_view to, std::string_view body);
  void Close();

  State state() const { return state_; }
  const std::string& error() const { return error_; }

 private:
  enum class Top {  // the stream's child being parsed (depth 2)
    kOther,
    kFeatures,
    kSaslSuccess,
    kSaslFailure,
    kIq,
    kMessage,
    kPresence,
    kSmEnabled,
    kSmFailed,
    kSmAck,
    kSmRequest,
    kStreamError,
  };
  enum class Text { kNone, kMechanism, kBody };  // the character data being collected
  struct Features {
    bool plain = false;
    bool bind = false;
    bool sm = false;
    bool register_ibr = false;
  };

  static void XMLCALL StartElement(void* self, const XML_Char* name, const XML_Char** attrs);
  static void XMLCALL EndElement(void* self, const XML_Char* name);
  static void XMLCALL CharData(void* self, const XML_Char* s, int len);
  void OnStart(std::string_view name, const XML_Char** attrs);
  void OnEnd();
  void OnTopLevel();
  void OnFeatures();
  void ResetParser();
  void OpenStream();
  void Read();
  void Write(std::string_view data);
  void Flush();
  void Fail(std::string_view step);
  void Finish();

  boost::asio::ip::tcp::socket socket_;
  Target target_;
  XmppAccount account_;
  Goal goal_;
  State state_ = State::kIdle;
  std::string error_;
  DoneHandler on_done_;
  AckHandler on_acked_;
  MessageHandler on_message_;

  XML_Parser parser_ = nullptr;
  int depth_ = 0;
  Top top_ = Top::kOther;
  std::string top_type_;       // the type attribute of an <iq> or <message>
  std::string top_condition_;  // an error's condition (e.g. "conflict")
  std::uint64_t top_h_ = 0;    // the h attribute of <a/>
  Text text_kind_ = Text::kNone;
  std::string text_;
  std::string body_;
  Features features_;
  bool sm_enabled_ = false;

  std::uint64_t sent_stanzas_ = 0;      // since <enable/>, as the server counts them
  std::uint64_t received_stanzas_ = 0;  // since <enabled/>, for our <a h/>
  std::string read_buf_;
  std::string out_;      // queued while a write is in flight
  std::string writing_;  // the buffer of the write in flight
  bool write_in_flight_ = false;
};

const char* StateName(XmppSession::State s);

}  // namespace parley::bench
