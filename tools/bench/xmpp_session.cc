#include "tools/bench/xmpp_session.h"

#include <openssl/evp.h>

#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>

namespace parley::bench {
namespace asio = boost::asio;
using asio::ip::tcp;

void OpenBound(tcp::socket& socket, const Target& target);  // tcp_conn.cc

namespace {

// Names as expat reports them with namespace processing: "<uri> <local>".
constexpr std::string_view kStreamFeatures = "http://etherx.jabber.org/streams features";
constexpr std::string_view kStreamError = "http://etherx.jabber.org/streams error";
constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kSmNs = "urn:xmpp:sm:3";
constexpr std::string_view kClientNs = "jabber:client";
constexpr std::string_view kStanzaErrorNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

// "<uri> <local>" → local when the namespace is `ns`, else "".
std::string_view LocalIn(std::string_view name, std::string_view ns) {
  if (name.size() <= ns.size() || name.compare(0, ns.size(), ns) != 0 || name[ns.size()] != ' ') {
    return {};
  }
  return name.substr(ns.size() + 1);
}

std::string_view Attr(const XML_Char** attrs, std::string_view key) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (key == attrs[i]) return attrs[i + 1];
  }
  return {};
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

const char* StateName(XmppSession::State s) {
  using S = XmppSession::State;
  switch (s) {
    case S::kIdle:
      return "idle";
    case S::kConnecting:
      return "connect";
    case S::kStreamOpening:
      return "stream features";
    case S::kRegistering:
      return "in-band registration";
    case S::kAuthenticating:
      return "SASL PLAIN";
    case S::kRestarting:
      return "stream restart";
    case S::kBinding:
      return "resource bind";
    case S::kEnabling:
      return "stream management and presence";
    case S::kDone:
      return "done";
    case S::kClosed:
      return "closed";
    case S::kFailed:
      return "failed";
  }
  return "?";
}

XmppSession::XmppSession(asio::io_context& io, Target target, XmppAccount account, Goal goal)
    : socket_(io),
      target_(std::move(target)),
      account_(std::move(account)),
      goal_(goal),
      parser_(XML_ParserCreateNS(nullptr, ' ')) {
  ResetParser();
}

XmppSession::~XmppSession() { XML_ParserFree(parser_); }

void XmppSession::ResetParser() {
  XML_ParserReset(parser_, nullptr);  // clears the handlers and the user data too
  XML_SetUserData(parser_, this);
  XML_SetElementHandler(parser_, &XmppSession::StartElement, &XmppSession::EndElement);
  XML_SetCharacterDataHandler(parser_, &XmppSession::CharData);
  depth_ = 0;
  text_kind_ = Text::kNone;
}

void XmppSession::Start(DoneHandler on_done) {
  on_done_ = std::move(on_done);
  state_ = State::kConnecting;
  OpenBound(socket_, target_);
  const tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
  socket_.async_connect(server, [this](boost::system::error_code ec) {
    if (ec) return Fail("connect");
    socket_.set_option(tcp::no_delay(true), ec);
    read_buf_.resize(kReadChunk);
    OpenStream();
    Read();
  });
}

void XmppSession::OpenStream() {
  state_ = State::kStreamOpening;
  features_ = {};
  std::string header =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' xml:lang='en' to='";
  header += account_.domain;
  header += "'>";
  Write(header);
}

void XmppSession::Read() {
  socket_.async_read_some(asio::buffer(read_buf_), [this](boost::system::error_code ec,
                                                          std::size_t n) {
    if (state_ == State::kClosed || state_ == State::kFailed) return;
    if (ec) return Fail("read (the server closed the connection)");
    if (XML_Parse(parser_, read_buf_.data(), static_cast<int>(n), XML_FALSE) == XML_STATUS_ERROR) {
      return Fail(XML_ErrorString(XML_GetErrorCode(parser_)));
    }
    if (state_ == State::kClosed || state_ == State::kFailed) return;
    // After <success/> the stream starts anew (RFC 6120 6.4.6): the
    // server sends nothing before our new header, so no byte is lost.
    if (state_ == State::kRestarting) {
      ResetParser();
      OpenStream();
    }
    Read();
  });
}

void XmppSession::StartElement(void* self, const XML_Char* name, const XML_Char** attrs) {
  static_cast<XmppSession*>(self)->OnStart(name, attrs);
}

void XmppSession::EndElement(void* self, const XML_Char*) {
  static_cast<XmppSession*>(self)->OnEnd();
}

void XmppSession::CharData(void* self, const XML_Char* s, int len) {
  auto* session = static_cast<XmppSession*>(self);
  if (session->text_kind_ != Text::kNone) {
    session->text_.append(s, static_cast<std::size_t>(len));
  }
}

void XmppSession::OnStart(std::string_view name, const XML_Char** attrs) {
  ++depth_;
  if (depth_ == 2) {
    top_ = Top::kOther;
    top_type_.assign(Attr(attrs, "type"));
    top_condition_.clear();
    body_.clear();
    if (name == kStreamFeatures) {
      top_ = Top::kFeatures;
    } else if (name == kStreamError) {
      top_ = Top::kStreamError;
    } else if (const std::string_view sasl = LocalIn(name, kSaslNs); !sasl.empty()) {
      if (sasl == "success") top_ = Top::kSaslSuccess;
      if (sasl == "failure") top_ = Top::kSaslFailure;
    } else if (const std::string_view sm = LocalIn(name, kSmNs); !sm.empty()) {
      if (sm == "enabled") top_ = Top::kSmEnabled;
      if (sm == "failed") top_ = Top::kSmFailed;
      if (sm == "r") top_ = Top::kSmRequest;
      if (sm == "a") {
        top_ = Top::kSmAck;
        const std::string_view h = Attr(attrs, "h");
        top_h_ = 0;
        std::from_chars(h.data(), h.data() + h.size(), top_h_);
      }
    } else if (const std::string_view stanza = LocalIn(name, kClientNs); !stanza.empty()) {
      if (stanza == "iq") top_ = Top::kIq;
      if (stanza == "message") top_ = Top::kMessage;
      if (stanza == "presence") top_ = Top::kPresence;
    }
    return;
  }
  if (top_ == Top::kFeatures && depth_ == 3) {
    if (name == "urn:ietf:params:xml:ns:xmpp-bind bind") features_.bind = true;
    if (name == "urn:xmpp:sm:3 sm") features_.sm = true;
    if (name == "http://jabber.org/features/iq-register register") features_.register_ibr = true;
  } else if (top_ == Top::kFeatures && depth_ == 4 && LocalIn(name, kSaslNs) == "mechanism") {
    text_kind_ = Text::kMechanism;
  } else if (top_ == Top::kMessage && depth_ == 3 && LocalIn(name, kClientNs) == "body") {
    text_kind_ = Text::kBody;
  } else if (const std::string_view condition = LocalIn(name, kStanzaErrorNs);
             top_condition_.empty() && !condition.empty()) {
    top_condition_.assign(condition);
  }
  if (text_kind_ != Text::kNone) text_.clear();
}

void XmppSession::OnEnd() {
  if (depth_ == 1 && state_ != State::kClosed) Fail("the server closed the stream");
  if (depth_ == 2) OnTopLevel();
  if (text_kind_ != Text::kNone && (depth_ == 3 || depth_ == 4)) {
    if (text_kind_ == Text::kMechanism && text_ == "PLAIN") features_.plain = true;
    if (text_kind_ == Text::kBody) body_ = std::move(text_);
    text_kind_ = Text::kNone;
  }
  --depth_;
}

void XmppSession::OnTopLevel() {
  switch (top_) {
    case Top::kFeatures:
      return OnFeatures();
    case Top::kStreamError:
      return Fail("stream error from the server");
    case Top::kSaslSuccess:
      if (state_ != State::kAuthenticating) return Fail("unexpected SASL success");
      state_ = State::kRestarting;  // the parser cannot be reset from its own callback
      return;
    case Top::kSaslFailure:
      return Fail("SASL PLAIN refused (wrong password, or PLAIN not allowed without TLS)");
    case Top::kIq:
      if (sm_enabled_) ++received_stanzas_;
      if (state_ == State::kRegistering) {
        if (top_type_ == "result" || top_condition_ == "conflict") return Finish();
        return Fail("registration refused: " + top_condition_);
      }
      if (state_ == State::kBinding) {
        if (top_type_ != "result") return Fail("bind refused: " + top_condition_);
        state_ = State::kEnabling;
        // presence: without it the server holds chat messages offline
        // instead of delivering them (RFC 6121 8.5.2.1.1).
        Write("<enable xmlns='urn:xmpp:sm:3' resume='true'/><presence/><r xmlns='urn:xmpp:sm:3'/>");
        sent_stanzas_ = 1;
      }
      return;
    case Top::kMessage:
      if (sm_enabled_) ++received_stanzas_;
      if (top_type_ != "error" && !body_.empty() && on_message_) on_message_(body_);
      return;
    case Top::kPresence:
      if (sm_enabled_) ++received_stanzas_;
      return;
    case Top::kSmEnabled:
      sm_enabled_ = true;
      return;
    case Top::kSmFailed:
      return Fail("stream management refused");
    case Top::kSmRequest: {
      std::string answer = "<a xmlns='urn:xmpp:sm:3' h='";
      answer += std::to_string(received_stanzas_);
      answer += "'/>";
      Write(answer);
      return;
    }
    case Top::kSmAck:
      if (state_ == State::kEnabling) {
        if (sm_enabled_ && top_h_ >= 1) Finish();
        return;
      }
      if (on_acked_) on_acked_(top_h_);
      return;
    case Top::kOther:
      return;
  }
}

void XmppSession::OnFeatures() {
  if (state_ != State::kStreamOpening) return;
  if (goal_ == Goal::kRegister) {
    if (!features_.register_ibr) {
      return Fail("no in-band registration offered (enable it in the server's config)");
    }
    state_ = State::kRegistering;
    std::string iq = "<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>";
    iq += account_.user;
    iq += "</username><password>";
    iq += account_.password;
    iq += "</password></query></iq>";
    return Write(iq);
  }
  if (features_.bind) {  // the features after SASL
    if (!features_.sm) return Fail("the server offers no stream management (XEP-0198)");
    state_ = State::kBinding;
    return Write(
        "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        "<resource>bench</resource></bind></iq>");
  }
  if (!features_.plain) return Fail("SASL PLAIN not offered (allow it without TLS on loopback)");
  state_ = State::kAuthenticating;
  std::string credentials(1, '\0');
  credentials += account_.user;
  credentials += '\0';
  credentials += account_.password;
  std::string auth = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>";
  auth += Base64(credentials);
  auth += "</auth>";
  Write(auth);
}

std::uint64_t XmppSession::SendChat(std::string_view to, std::string_view body) {
  std::string stanza;
  stanza.reserve(96 + to.size() + body.size());
  stanza += "<message type='chat' to='";
  stanza += to;
  stanza += "'><body>";
  stanza += body;  // the caller's text needs no escaping
  stanza += "</body></message><r xmlns='urn:xmpp:sm:3'/>";
  Write(stanza);
  return ++sent_stanzas_;
}

void XmppSession::Write(std::string_view data) {
  out_ += data;
  Flush();
}

void XmppSession::Flush() {
  if (write_in_flight_ || out_.empty()) return;
  write_in_flight_ = true;
  std::swap(out_, writing_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [this](boost::system::error_code ec, std::size_t) {
                      write_in_flight_ = false;
                      writing_.clear();
                      if (state_ == State::kClosed || state_ == State::kFailed) return;
                      if (ec) return Fail("write");
                      Flush();
                    });
}

void XmppSession::Finish() {
  state_ = State::kDone;
  if (goal_ == Goal::kRegister) Close();
  if (on_done_) on_done_(State::kDone);
}

void XmppSession::Close() {
  if (state_ == State::kFailed) return;
  state_ = State::kClosed;
  boost::system::error_code ec;
  socket_.close(ec);
}

void XmppSession::Fail(std::string_view step) {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  const State was = state_;
  error_ = std::string(StateName(was)) + ": " + std::string(step);
  state_ = State::kFailed;
  boost::system::error_code ec;
  socket_.close(ec);
  if (was != State::kDone && on_done_) on_done_(State::kFailed);
}

}  // namespace parley::bench
