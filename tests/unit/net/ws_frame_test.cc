// ws::WsReader and the frame encoders: every input is also fed byte by byte
// and in random splits, through a scratch buffer that is scribbled over after
// each read (as the connection's per-thread buffer is), and must give the
// same events.

#include "net/ws_frame.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "base/utf8.h"

namespace parley::net::ws {
namespace {

using Kind = WsReader::Event::Kind;

struct Ev {
  Kind kind;
  std::string payload;
  std::uint16_t code = 0;
  bool operator==(const Ev&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Ev& e) {
  return os << "{kind " << static_cast<int>(e.kind) << ", code " << e.code << ", \"" << e.payload
            << "\"}";
}

// A client frame: masked unless told otherwise.
struct Spec {
  std::uint8_t opcode = 0x1;
  bool fin = true;
  bool masked = true;
  std::uint8_t rsv = 0;  // 0..7, the RSV1-3 bits
  int force_ext = 0;     // 2 or 8: a (possibly non-minimal) extended length
};

std::string ClientFrame(std::string_view payload, Spec s = {}) {
  std::string f;
  f += static_cast<char>((s.fin ? 0x80 : 0) | (s.rsv << 4) | s.opcode);
  const char mask_bit = s.masked ? static_cast<char>(0x80) : 0;
  const std::size_t n = payload.size();
  int ext = s.force_ext;
  if (ext == 0) ext = n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
  if (ext == 0) {
    f += static_cast<char>(mask_bit | n);
  } else {
    f += static_cast<char>(mask_bit | (ext == 2 ? 126 : 127));
    for (int i = ext - 1; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  const char key[4] = {0x37, static_cast<char>(0xFA), 0x21, 0x3D};
  if (s.masked) f.append(key, 4);
  for (std::size_t i = 0; i < n; ++i)
    f += s.masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

std::string Close(std::uint16_t code, std::string_view reason) {
  std::string body;
  body += static_cast<char>(code >> 8);
  body += static_cast<char>(code & 0xFF);
  body += reason;
  return ClientFrame(body, {.opcode = 0x8});
}

// Feeds `bytes` cut at `cuts` (sorted offsets) and collects events until an
// error or the end.
std::vector<Ev> Run(WsReader& reader, std::string_view bytes,
                    const std::vector<std::size_t>& cuts) {
  std::vector<Ev> events;
  std::size_t begin = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(bytes.size());
  std::string scratch;
  for (std::size_t end : ends) {
    if (end < begin) continue;
    scratch.assign(bytes.substr(begin, end - begin));
    begin = end;
    reader.Feed({scratch.data(), scratch.size()});
    for (;;) {
      const WsReader::Event e = reader.Next();
      if (e.kind == Kind::kNeedMore) break;
      events.push_back({e.kind, std::string(e.kind == Kind::kError ? e.error : e.payload), e.code});
      if (e.kind == Kind::kError) return events;
    }
    std::fill(scratch.begin(), scratch.end(), 'X');  // the reader must not point into it
  }
  return events;
}

std::vector<Ev> Whole(std::string_view bytes, std::size_t max = 1 << 20) {
  WsReader reader(max);
  return Run(reader, bytes, {});
}

// Whole, byte by byte, and 200 random splits must all agree; returns them.
std::vector<Ev> AllSplits(std::string_view bytes, std::size_t max = 1 << 20) {
  const std::vector<Ev> whole = Whole(bytes, max);
  {
    WsReader reader(max);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(Run(reader, bytes, cuts), whole) << "byte by byte";
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    WsReader reader(max);
    std::vector<std::size_t> cuts;
    const int n = std::uniform_int_distribution<int>(1, 8)(rng);
    for (int i = 0; i < n && bytes.size() > 1; ++i) {
      cuts.push_back(std::uniform_int_distribution<std::size_t>(1, bytes.size() - 1)(rng));
    }
    std::sort(cuts.begin(), cuts.end());
    EXPECT_EQ(Run(reader, bytes, cuts), whole) << "random split, round " << round;
  }
  return whole;
}

Ev Text(std::string s) { return {Kind::kText, std::move(s)}; }
Ev Error(std::uint16_t code, std::string what) { return {Kind::kError, std::move(what), code}; }

TEST(WsFrameTest, MessagesAndControlFramesInAnySplit) {
  const std::string big(70000, 'b');
  const std::string bytes = ClientFrame(R"({"cmd":0})") + ClientFrame("", {.opcode = 0x9}) +
                            ClientFrame("\x01\x02", {.opcode = 0x2}) +
                            ClientFrame(std::string(300, 'm')) + ClientFrame(big) +
                            ClientFrame("hi", {.opcode = 0xA}) + Close(1000, "bye");
  const std::vector<Ev> expected = {
      Text(R"({"cmd":0})"),        {Kind::kPing, ""}, {Kind::kBinary, "\x01\x02"},
      Text(std::string(300, 'm')), Text(big),         {Kind::kPong, "hi"},
      {Kind::kClose, "bye", 1000}};
  EXPECT_EQ(AllSplits(bytes), expected);
}

TEST(WsFrameTest, FragmentsAreReassembledAroundControlFrames) {
  const std::string bytes = ClientFrame("Hel", {.opcode = 0x1, .fin = false}) +
                            ClientFrame("p1", {.opcode = 0x9}) +
                            ClientFrame("", {.opcode = 0x0, .fin = false}) +
                            ClientFrame("lo", {.opcode = 0x0, .fin = true}) +
                            ClientFrame("\xff", {.opcode = 0x2, .fin = false}) +
                            ClientFrame(std::string_view("\x00", 1), {.opcode = 0x0});
  const std::vector<Ev> expected = {
      {Kind::kPing, "p1"}, Text("Hello"), {Kind::kBinary, std::string("\xff\x00", 2)}};
  EXPECT_EQ(AllSplits(bytes), expected);
}

TEST(WsFrameTest, CloseFrames) {
  EXPECT_EQ(AllSplits(ClientFrame("", {.opcode = 0x8})),
            (std::vector<Ev>{{Kind::kClose, "", kCloseNoStatus}}));
  EXPECT_EQ(AllSplits(Close(4000, "app")), (std::vector<Ev>{{Kind::kClose, "app", 4000}}));
  EXPECT_EQ(Whole(ClientFrame("x", {.opcode = 0x8})),
            (std::vector<Ev>{Error(1002, "close frame of one byte")}));
  for (std::uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 2000, 5000}) {
    EXPECT_EQ(Whole(Close(bad, "")), (std::vector<Ev>{Error(1002, "invalid close code")})) << bad;
  }
  EXPECT_EQ(Whole(Close(1000, "\xff")),
            (std::vector<Ev>{Error(1007, "close reason is not UTF-8")}));
}

TEST(WsFrameTest, EveryProtocolError) {
  struct Case {
    std::string bytes;
    Ev error;
  };
  const std::vector<Case> cases = {
      {ClientFrame("x", {.rsv = 4}), Error(1002, "reserved bits set")},
      {ClientFrame("x", {.rsv = 1}), Error(1002, "reserved bits set")},
      {ClientFrame("x", {.opcode = 0x3}), Error(1002, "unknown opcode")},
      {ClientFrame("x", {.opcode = 0xB}), Error(1002, "unknown opcode")},
      {ClientFrame("x", {.masked = false}), Error(1002, "unmasked client frame")},
      {ClientFrame("x", {.opcode = 0x9, .fin = false}), Error(1002, "fragmented control frame")},
      {ClientFrame(std::string(126, 'p'), {.opcode = 0x9}), Error(1002, "control frame too long")},
      {ClientFrame("x", {.opcode = 0x0}), Error(1002, "continuation without a message")},
      {ClientFrame("a", {.fin = false}) + ClientFrame("b"),
       Error(1002, "new message inside a fragmented one")},
      {ClientFrame("x", {.force_ext = 2}), Error(1002, "length not minimally encoded")},
      {ClientFrame("x", {.force_ext = 8}), Error(1002, "length not minimally encoded")},
      {ClientFrame(std::string(1001, 'x')), Error(1009, "message too big")},
      {ClientFrame(std::string(600, 'x'), {.fin = false}) +
           ClientFrame(std::string(401, 'x'), {.opcode = 0x0}),
       Error(1009, "message too big")},
      {ClientFrame("\xc3\x28"), Error(1007, "text message is not UTF-8")},
      {ClientFrame("\xe2\x82", {.fin = false}) + ClientFrame("", {.opcode = 0x0}),
       Error(1007, "text message is not UTF-8")},
  };
  for (const Case& c : cases) {
    const std::vector<Ev> events = AllSplits(c.bytes, 1000);
    ASSERT_FALSE(events.empty()) << c.error;
    EXPECT_EQ(events.back(), c.error);
  }
  // A message of exactly the maximum passes; fragments may add up to it.
  EXPECT_EQ(Whole(ClientFrame(std::string(1000, 'x')), 1000).back().kind, Kind::kText);
  EXPECT_EQ(Whole(ClientFrame(std::string(600, 'x'), {.fin = false}) +
                      ClientFrame(std::string(400, 'x'), {.opcode = 0x0}),
                  1000)
                .back()
                .kind,
            Kind::kText);
}

TEST(WsFrameTest, TooBigIsRefusedFromTheHeaderAlone) {
  WsReader reader(1000);
  std::string head = ClientFrame(std::string(5000, 'x')).substr(0, 4);  // 2 + 2-byte length
  reader.Feed({head.data(), head.size()});
  const auto e = reader.Next();
  EXPECT_EQ(e.kind, Kind::kError);
  EXPECT_EQ(e.code, kCloseTooBig);
  EXPECT_EQ(reader.Next().kind, Kind::kError);  // stays failed
}

TEST(WsFrameTest, KeepCopiesTheRestAndIdleHoldsNothing) {
  WsReader reader(1 << 16);
  const std::string kThree(40, '3');  // longer than std::string's inline buffer
  std::string scratch = ClientFrame("one") + ClientFrame("two") + ClientFrame(kThree).substr(0, 20);
  reader.Feed({scratch.data(), scratch.size()});
  auto e = reader.Next();
  ASSERT_EQ(e.kind, Kind::kText);
  EXPECT_EQ(e.payload, "one");
  reader.Keep();
  EXPECT_TRUE(reader.has_pending());
  std::fill(scratch.begin(), scratch.end(), 'X');
  e = reader.Next();
  ASSERT_EQ(e.kind, Kind::kText);
  EXPECT_EQ(e.payload, "two");
  EXPECT_EQ(reader.Next().kind, Kind::kNeedMore);
  EXPECT_GT(reader.held_bytes(), 0u);  // the incomplete third frame
  scratch = ClientFrame(kThree).substr(20);
  reader.Feed({scratch.data(), scratch.size()});
  e = reader.Next();
  ASSERT_EQ(e.kind, Kind::kText);
  EXPECT_EQ(e.payload, kThree);
  EXPECT_EQ(reader.Next().kind, Kind::kNeedMore);
  EXPECT_EQ(reader.held_bytes(), 0u);
  EXPECT_FALSE(reader.has_pending());

  // A reassembled message is freed once the next call has come.
  scratch = ClientFrame("a", {.fin = false}) + ClientFrame("b", {.opcode = 0x0});
  reader.Feed({scratch.data(), scratch.size()});
  EXPECT_EQ(reader.Next().payload, "ab");
  EXPECT_EQ(reader.Next().kind, Kind::kNeedMore);
  EXPECT_EQ(reader.held_bytes(), 0u);
}

TEST(WsFrameTest, EncodeServerFrames) {
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 5).view(), std::string_view("\x81\x05", 2));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 125).size, 2);
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 126).view(), std::string_view("\x81\x7e\x00\x7e", 4));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kBinary, 65535).view(),
            std::string_view("\x82\x7e\xff\xff", 4));
  EXPECT_EQ(EncodeFrameHeader(Opcode::kText, 65536).view(),
            std::string_view("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));

  EXPECT_EQ(EncodeControlFrame(Opcode::kPong, "hi"), std::string_view("\x8a\x02hi", 4));
  EXPECT_EQ(EncodeControlFrame(Opcode::kPong, std::string(200, 'p')).size(), 2u + 125u);
  EXPECT_EQ(EncodeCloseFrame(kCloseNoStatus, "ignored"), std::string_view("\x88\x00", 2));
  EXPECT_EQ(EncodeCloseFrame(kCloseGoingAway, "bye"), std::string_view("\x88\x05\x03\xe9"
                                                                       "bye",
                                                                       7));
  // The reason is cut to 123 bytes, not inside a character (é is 2 bytes).
  std::string reason(122, 'r');
  reason += "\xc3\xa9";
  const std::string frame = EncodeCloseFrame(kCloseGoingAway, reason);
  EXPECT_EQ(frame.size(), 2u + 2u + 122u);
  EXPECT_TRUE(base::IsValidUtf8(frame.substr(4)));
}

// A text message whose first fragment is already invalid is refused then,
// without waiting for the rest (Autobahn 6.4: fail fast).
TEST(WsFrameTest, InvalidTextFailsAtTheFragmentThatBreaksIt) {
  WsReader reader(1 << 16);
  std::string bytes = ClientFrame("ok \xe2\x82", {.opcode = 0x1, .fin = false});
  reader.Feed(bytes);
  EXPECT_EQ(reader.Next().kind, WsReader::Event::Kind::kNeedMore) << "a cut code point waits";
  std::string bad = ClientFrame("\x28 more", {.opcode = 0x0, .fin = false});
  reader.Feed(bad);
  const WsReader::Event event = reader.Next();
  EXPECT_EQ(event.kind, WsReader::Event::Kind::kError);
  EXPECT_EQ(event.code, kCloseInvalidPayload);
}

}  // namespace
}  // namespace parley::net::ws
