// RFC 6455 conformance of parleyd's WebSocket endpoint, walked section by
// section along the Autobahn test suite's case list (docs/websocket-
// conformance.md has the table): framing, pings and pongs, reserved bits,
// opcodes, fragmentation, UTF-8, close handling, limits, compression and the
// opening handshake. A raw client sends exact bytes and checks what the RFC
// requires of the server: a protocol error closes with 1002, bad UTF-8 with
// 1007, a message too big with 1009, a valid close is answered with a close
// and then the TCP connection ends. Parley is not an echo server: where
// Autobahn expects an echo, a request message here gets its answer (a
// HEARTBEAT with a req_id), which proves the message arrived whole.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
using Flags = RawWsClient::Flags;
namespace json = boost::json;

constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

// A HEARTBEAT request of exactly `size` bytes (at least 23) answered with
// req_id `id`: the req_id is padded with 'x'.
std::string Heartbeat(const std::string& id, std::size_t size = 0) {
  std::string body = R"({"cmd":0,"req_id":")" + id;
  const std::size_t tail = 2;  // "}
  if (size > body.size() + tail) body.append(size - body.size() - tail, 'x');
  return body + "\"}";
}

std::string Frame(std::uint8_t opcode, std::string_view payload, Flags flags = {}) {
  return RawWsClient::Frame(opcode, payload, flags);
}

std::string ClosePayload(int code, std::string_view reason = {}) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  return payload.append(reason);
}

class WsConformanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = ServerProcess::Start(dir_->path() / "data").release();
    ASSERT_TRUE(server_);
    token_ = new std::string(RegisterUser(server_->ws_port(), "wsuser"));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete token_;
    delete dir_;
  }

  static std::unique_ptr<RawWsClient> Open() {
    auto ws = std::make_unique<RawWsClient>(server_->ws_port(), "/ws?token=" + *token_);
    EXPECT_TRUE(ws->upgraded()) << ws->response_head();
    return ws;
  }

  // The next frame is the answer to request `id` (code 0); a padded id
  // (Heartbeat with a size) starts with `id`.
  static void ExpectAnswer(RawWsClient& ws, const std::string& id, const std::string& what) {
    const RawWsClient::ServerFrame frame = ws.Read(5s);
    ASSERT_EQ(frame.opcode, kText) << what;
    EXPECT_FALSE(frame.masked) << what;
    const json::object answer = json::parse(frame.payload).as_object();
    EXPECT_TRUE(answer.at("req_id").as_string().starts_with(id)) << what;
    EXPECT_EQ(answer.at("code").as_int64(), 0) << what;
  }
  // The connection still works: a fresh request is answered.
  static void ExpectAlive(RawWsClient& ws, const std::string& what) {
    ASSERT_TRUE(ws.Send(kText, Heartbeat("alive"))) << what;
    ExpectAnswer(ws, "alive", what);
  }
  // The next frame is a close with `code`, and then the server ends the TCP
  // connection (the closing handshake: it does not wait for us).
  static void ExpectClose(RawWsClient& ws, int code, const std::string& what) {
    const RawWsClient::ServerFrame frame = ws.Read(5s);
    ASSERT_EQ(frame.opcode, kClose) << what << ": " << frame.payload;
    EXPECT_EQ(frame.close_code(), code) << what;
    EXPECT_TRUE(ws.WaitClosed(5s)) << what;
  }
  // Sends `bytes` on a fresh connection and expects a close with `code`.
  static void ExpectViolation(const std::string& bytes, int code, const std::string& what) {
    auto ws = Open();
    ASSERT_TRUE(ws->SendBytes(bytes)) << what;
    ExpectClose(*ws, code, what);
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static std::string* token_;
};

TempDir* WsConformanceTest::dir_ = nullptr;
ServerProcess* WsConformanceTest::server_ = nullptr;
std::string* WsConformanceTest::token_ = nullptr;

// Autobahn 1.*: text messages of every length encoding (7-bit, 16-bit,
// 64-bit) arrive whole; an empty or binary message is a request error that
// leaves the connection open.
TEST_F(WsConformanceTest, Section1FramingEveryLengthEncoding) {
  auto ws = Open();
  for (std::size_t size : {std::size_t{125}, std::size_t{126}, std::size_t{127}, std::size_t{128},
                           std::size_t{65535}, std::size_t{65536}}) {
    const std::string id = "len" + std::to_string(size);
    const std::string body = Heartbeat(id, size);
    ASSERT_EQ(body.size(), size);
    ASSERT_TRUE(ws->Send(kText, body));
    const RawWsClient::ServerFrame frame = ws->Read(5s);
    ASSERT_EQ(frame.opcode, kText) << size;
    EXPECT_NE(frame.payload.find("\"req_id\":\"" + id), std::string::npos) << size;
  }
  for (const auto& [opcode, payload] : {std::pair{kText, std::string()},
                                        std::pair{kBinary, std::string("\x00\xff", 2)},
                                        std::pair{kBinary, std::string()}}) {
    ASSERT_TRUE(ws->Send(opcode, payload));
    const RawWsClient::ServerFrame frame = ws->Read(5s);
    ASSERT_EQ(frame.opcode, kText);
    EXPECT_EQ(json::parse(frame.payload).at("code").as_int64(), 400);
  }
  ExpectAlive(*ws, "after empty and binary messages");
}

// Autobahn 2.*: a ping is answered by a pong with the same payload (up to
// 125 bytes, binary too, even sent a byte at a time); unsolicited pongs are
// ignored; a ping over 125 bytes is a protocol error.
TEST_F(WsConformanceTest, Section2PingsAndPongs) {
  auto ws = Open();
  const std::string binary("\x00\xff\xfe\xfd\xfc\xfb", 6);
  for (const std::string& payload : {std::string(), std::string("Hello, world!"), binary,
                                     std::string(125, '*')}) {
    ASSERT_TRUE(ws->Send(kPing, payload));
    const RawWsClient::ServerFrame pong = ws->Read(5s);
    EXPECT_EQ(pong.opcode, kPong);
    EXPECT_EQ(pong.payload, payload);
  }
  for (char byte : Frame(kPing, std::string(125, '+'))) {
    ASSERT_TRUE(ws->SendBytes(std::string_view(&byte, 1)));
  }
  EXPECT_EQ(ws->Read(5s).payload, std::string(125, '+')) << "2.6 ping sent byte by byte";
  ASSERT_TRUE(ws->SendBytes(Frame(kPong, "") + Frame(kPong, "unsolicited")));
  ExpectAlive(*ws, "2.7/2.8 unsolicited pongs are ignored");
  // 2.10: ten pings at once. RFC 6455 5.5.3 lets a server answer only the
  // most recent of pings it has not answered yet; parleyd does: the pongs
  // come in order and the last one answers the last ping.
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += Frame(kPing, "ping" + std::to_string(i));
  ASSERT_TRUE(ws->SendBytes(ten));
  int last = -1;
  while (last < 9) {
    const RawWsClient::ServerFrame pong = ws->Read(5s);
    ASSERT_EQ(pong.opcode, kPong);
    ASSERT_TRUE(pong.payload.starts_with("ping"));
    const int i = std::stoi(pong.payload.substr(4));
    EXPECT_GT(i, last) << "pongs out of order";
    last = i;
  }
  ExpectViolation(Frame(kPing, std::string(126, 'p')), 1002, "2.5 ping payload of 126 bytes");
}

// Autobahn 3.*: a reserved bit without a negotiated extension is a protocol
// error, on data and control frames; what came before it is still answered.
TEST_F(WsConformanceTest, Section3ReservedBits) {
  for (std::uint8_t rsv = 1; rsv <= 7; ++rsv) {
    ExpectViolation(Frame(kText, Heartbeat("r"), Flags{.rsv = rsv}), 1002,
                    "3.x text with RSV " + std::to_string(rsv));
  }
  ExpectViolation(Frame(kPing, "p", Flags{.rsv = 4}), 1002, "3.6 ping with RSV1");
  ExpectViolation(Frame(kBinary, "b", Flags{.rsv = 2}), 1002, "3.5 binary with RSV2");
  auto ws = Open();
  ASSERT_TRUE(ws->SendBytes(Frame(kText, Heartbeat("before")) +
                            Frame(kText, Heartbeat("bad"), Flags{.rsv = 1}) +
                            Frame(kPing, "after")));
  ExpectAnswer(*ws, "before", "3.2 the valid message before the bad frame");
  ExpectClose(*ws, 1002, "3.2 then the close, and no pong");
}

// Autobahn 4.*: reserved opcodes, data (3-7) and control (11-15), are
// protocol errors.
TEST_F(WsConformanceTest, Section4ReservedOpcodes) {
  for (std::uint8_t opcode : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    ExpectViolation(Frame(opcode, ""), 1002, "opcode " + std::to_string(opcode));
    ExpectViolation(Frame(opcode, "payload"), 1002, "opcode with payload " + std::to_string(opcode));
  }
}

// Autobahn 5.*: fragmented messages are reassembled, with control frames
// between fragments answered at once; fragmented control frames, a
// continuation with nothing to continue, and a new message inside a
// fragmented one are protocol errors.
TEST_F(WsConformanceTest, Section5Fragmentation) {
  ExpectViolation(Frame(kPing, "fr", Flags{.fin = false}) + Frame(kContinuation, "ag"), 1002,
                  "5.1 fragmented ping");
  ExpectViolation(Frame(kPong, "fr", Flags{.fin = false}) + Frame(kContinuation, "ag"), 1002,
                  "5.2 fragmented pong");
  ExpectViolation(Frame(kContinuation, Heartbeat("c")), 1002, "5.9 continuation, FIN set");
  ExpectViolation(Frame(kContinuation, "{", Flags{.fin = false}), 1002,
                  "5.10 continuation, FIN clear");
  ExpectViolation(Frame(kText, "{\"cmd\"", Flags{.fin = false}) + Frame(kText, Heartbeat("n")),
                  1002, "5.15 a text message inside a fragmented one");

  auto ws = Open();
  const std::string body = Heartbeat("fragments", 300);
  ASSERT_TRUE(ws->SendBytes(Frame(kText, body.substr(0, 100), Flags{.fin = false}) +
                            Frame(kContinuation, body.substr(100))));
  ExpectAnswer(*ws, "fragments", "5.3 two fragments");
  std::string one_byte_each = Frame(kText, body.substr(0, 1), Flags{.fin = false});
  for (std::size_t i = 1; i + 1 < body.size(); ++i) {
    one_byte_each += Frame(kContinuation, body.substr(i, 1), Flags{.fin = false});
  }
  one_byte_each += Frame(kContinuation, body.substr(body.size() - 1));
  ASSERT_TRUE(ws->SendBytes(one_byte_each));
  ExpectAnswer(*ws, "fragments", "5.8 a fragment per byte");
  ASSERT_TRUE(ws->SendBytes(Frame(kText, body.substr(0, 10), Flags{.fin = false}) +
                            Frame(kPing, "between") +
                            Frame(kContinuation, body.substr(10, 10), Flags{.fin = false}) +
                            Frame(kPong, "ignored") + Frame(kContinuation, body.substr(20))));
  EXPECT_EQ(ws->Read(5s).payload, "between") << "5.6 the pong comes before the message's answer";
  ExpectAnswer(*ws, "fragments", "5.6 fragments around a ping and a pong");
  // 5.19: fragments spread over time, with pings between them.
  ASSERT_TRUE(ws->SendBytes(Frame(kText, body.substr(0, 50), Flags{.fin = false})));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(ws->SendBytes(Frame(kPing, "slow")));
  EXPECT_EQ(ws->Read(5s).payload, "slow");
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(ws->SendBytes(Frame(kContinuation, body.substr(50))));
  ExpectAnswer(*ws, "fragments", "5.19 fragments with delays");
}

// Autobahn 6.*: text must be UTF-8: valid sequences (also split across
// fragments, even inside a code point) pass; every kind of invalid one closes
// with 1007, also when the bad bytes come in a first fragment (fail fast:
// the server does not wait for the rest).
TEST_F(WsConformanceTest, Section6Utf8Handling) {
  auto ws = Open();
  const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";  // κόσμε
  const std::string body = R"({"cmd":0,"req_id":"utf8","x":")" + kosme + "\xf0\x9f\x98\x80\"}";
  ASSERT_TRUE(ws->Send(kText, body));
  ExpectAnswer(*ws, "utf8", "6.2 valid UTF-8 in one frame");
  for (std::size_t split = 1; split < body.size(); split += 3) {
    ASSERT_TRUE(ws->SendBytes(Frame(kText, body.substr(0, split), Flags{.fin = false}) +
                              Frame(kContinuation, body.substr(split))));
    ExpectAnswer(*ws, "utf8", "6.2.3 split at byte " + std::to_string(split));
  }

  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"6.3 a lone continuation byte", "\x80"},
      {"6.6 truncated 3-byte sequence", "\xe2\x82"},
      {"6.8 5-byte sequence", "\xf8\x88\x80\x80\x80"},
      {"6.9 overlong '/'", "\xc0\xaf"},
      {"6.10 overlong NUL", "\xe0\x80\x80"},
      {"6.11 UTF-16 surrogate", "\xed\xa0\x80"},
      {"6.12 above U+10FFFF", "\xf4\x90\x80\x80"},
      {"6.18 0xFE", "\xfe"},
      {"6.19 0xFF", "\xff"},
  };
  for (const auto& [what, bytes] : invalid) {
    ExpectViolation(Frame(kText, R"({"cmd":0,"x":")" + bytes + "\"}"), 1007, what);
  }
  ExpectViolation(Frame(kText, R"({"x":"\xe2)", Flags{.fin = false}) +
                      Frame(kContinuation, "\x28\xa1\"}"),
                  1007, "6.4.x invalid across a fragment boundary");
  // 6.4.1 fail fast: the first fragment is already invalid; the rest never comes.
  ExpectViolation(Frame(kText, "{\"x\":\"\xc0\xaf", Flags{.fin = false}), 1007,
                  "6.4.1 fail fast on an invalid first fragment");
  ExpectViolation(Frame(kText, "{\"x\":\"\xe2\x82", Flags{.fin = true}), 1007,
                  "6.x a message ending inside a code point");
}

// Autobahn 7.*: the closing handshake. A close is answered with a close
// (echoing a valid code, 1000 for an empty one), nothing after it is
// processed, the server then ends the TCP connection; a malformed close
// (1-byte payload, a code that must not appear on the wire or is
// unassigned, a reason over 123 bytes or not UTF-8) is answered 1002/1007.
TEST_F(WsConformanceTest, Section7CloseHandling) {
  {
    auto ws = Open();
    ASSERT_TRUE(ws->SendBytes(Frame(kClose, ClosePayload(1000)) + Frame(kPing, "after close") +
                              Frame(kText, Heartbeat("after")) + Frame(kClose, ClosePayload(1000))));
    ExpectClose(*ws, 1000, "7.1.1-7.1.4 close, then a ping, a message and a second close: ignored");
  }
  {
    auto ws = Open();
    ASSERT_TRUE(ws->Send(kClose, ""));
    const RawWsClient::ServerFrame frame = ws->Read(5s);
    EXPECT_EQ(frame.opcode, kClose) << "7.3.1 empty close";
    EXPECT_TRUE(frame.payload.empty() || frame.close_code() == 1000) << "7.3.1";
    EXPECT_TRUE(ws->WaitClosed(5s));
  }
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    auto ws = Open();
    ASSERT_TRUE(ws->Send(kClose, ClosePayload(code, "bye")));
    ExpectClose(*ws, code, "7.7 valid code " + std::to_string(code) + " is echoed");
  }
  {
    auto ws = Open();
    ASSERT_TRUE(ws->Send(kClose, ClosePayload(1000, std::string(123, 'r'))));
    ExpectClose(*ws, 1000, "7.3.5 a reason of 123 bytes");
  }
  ExpectViolation(Frame(kClose, "\x03"), 1002, "7.3.2 a close payload of 1 byte");
  ExpectViolation(Frame(kClose, ClosePayload(1000, std::string(124, 'r'))), 1002,
                  "7.3.6 a close payload of 126 bytes");
  ExpectViolation(Frame(kClose, ClosePayload(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
                                                   "\xed\xa0\x80")),
                  1007, "7.5.1 a reason that is not UTF-8");
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    ExpectViolation(Frame(kClose, ClosePayload(code)), 1002,
                    "7.9 invalid code " + std::to_string(code));
  }
}

// Autobahn 9.* (limits), as parleyd bounds them: a message up to
// --max-frame bytes (64 KiB by default) passes whole or in fragments; one
// byte more, announced by a frame header or reached by fragments, closes
// with 1009 before the server reads it all.
TEST_F(WsConformanceTest, Section9LimitsMessageSize) {
  auto ws = Open();
  const std::string biggest = Heartbeat("max", 65536);
  std::string fragments;
  for (std::size_t at = 0; at < biggest.size(); at += 4096) {
    const bool first = at == 0;
    const bool last = at + 4096 >= biggest.size();
    fragments += Frame(first ? kText : kContinuation, biggest.substr(at, 4096), Flags{.fin = last});
  }
  ASSERT_TRUE(ws->SendBytes(fragments));
  ExpectAnswer(*ws, "max", "9.x 64 KiB in 4 KiB fragments");
  ExpectViolation(Frame(kText, Heartbeat("over", 65537)).substr(0, 14), 1009,
                  "9.x a frame header announcing 64 KiB + 1");
  ExpectViolation(Frame(kText, std::string(65536, ' '), Flags{.fin = false}) +
                      Frame(kContinuation, " "),
                  1009, "9.x fragments adding up to 64 KiB + 1");
}

// Autobahn 12.*/13.* (compression) and the opening handshake (RFC 6455
// 4.2): permessage-deflate offered is not accepted (no extension is
// negotiated, so RSV1 stays an error); a subprotocol asked for is not
// claimed; a wrong version gets 426 naming 13; a request without the key,
// or not a GET, is refused.
TEST_F(WsConformanceTest, HandshakeAndCompressionNegotiation) {
  const std::string upgrade =
      "Host: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  RawWsClient deflate(server_->ws_port(),
                      "GET /ws?token=" + *token_ + " HTTP/1.1\r\n" + upgrade +
                          "Sec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                          "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n");
  ASSERT_TRUE(deflate.upgraded()) << deflate.response_head();
  EXPECT_EQ(deflate.response_head().find("Sec-WebSocket-Extensions"), std::string::npos)
      << "12.x/13.x compression was negotiated: " << deflate.response_head();
  EXPECT_EQ(deflate.response_head().find("Sec-WebSocket-Protocol"), std::string::npos)
      << deflate.response_head();
  ASSERT_TRUE(deflate.SendBytes(Frame(kText, Heartbeat("z"), Flags{.rsv = 4})));
  ExpectClose(deflate, 1002, "RSV1 without negotiated compression");

  RawWsClient version(server_->ws_port(),
                      "GET /ws HTTP/1.1\r\n" + upgrade + "Sec-WebSocket-Version: 8\r\n\r\n");
  EXPECT_TRUE(version.response_head().starts_with("HTTP/1.1 426")) << version.response_head();
  EXPECT_NE(version.response_head().find("Sec-WebSocket-Version: 13"), std::string::npos);
  RawWsClient post(server_->ws_port(),
                   "POST /ws HTTP/1.1\r\n" + upgrade + "Sec-WebSocket-Version: 13\r\n"
                   "Content-Length: 0\r\n\r\n");
  EXPECT_FALSE(post.upgraded()) << post.response_head();
  EXPECT_TRUE(post.response_head().starts_with("HTTP/1.1 4")) << post.response_head();
  RawWsClient keyless(server_->ws_port(),
                      "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_TRUE(keyless.response_head().starts_with("HTTP/1.1 400")) << keyless.response_head();
}

}  // namespace
}  // namespace parley::testing
