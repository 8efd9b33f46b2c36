// The WebSocket frame reader (net/ws_frame.h) fed what a client sends, in
// pieces the fuzzer chooses, sometimes told to Keep its bytes (after which
// the caller reuses its buffer: here it is scribbled over). Properties: the
// events are those of the same stream fed whole; a text message and a close
// reason are valid UTF-8; no message exceeds the limit; IsValidUtf8 agrees
// with Beast's UTF-8 checker, and ScanUtf8 (the per-fragment check) with
// both: its complete prefix is valid, and an incomplete tail is one that
// Beast would still accept more bytes for.
//
// Input: the stream from the front; the limit, piece sizes and Keep calls
// from the back.

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/beast/websocket/detail/utf8_checker.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "fuzz_check.h"
#include "net/ws_frame.h"

namespace {

using parley::fuzz::Check;
using parley::base::IsValidUtf8;
using parley::net::ws::WsReader;
using Kind = WsReader::Event::Kind;

struct Seen {
  Kind kind;
  std::string payload;
  std::uint16_t code;

  bool operator==(const Seen&) const = default;
};

void Record(const WsReader::Event& e, std::size_t max_message, std::vector<Seen>& out) {
  if (e.kind == Kind::kText) Check(IsValidUtf8(e.payload), "a text message is not UTF-8");
  if (e.kind == Kind::kClose) Check(IsValidUtf8(e.payload), "a close reason is not UTF-8");
  if (e.kind == Kind::kText || e.kind == Kind::kBinary) {
    Check(e.payload.size() <= max_message, "a message above the limit");
  }
  if (e.kind == Kind::kPing || e.kind == Kind::kPong) {
    Check(e.payload.size() <= parley::net::ws::kMaxControlPayload, "a control frame too long");
  }
  out.push_back({e.kind, std::string(e.payload), e.code});
}

bool BeastSaysUtf8(std::string_view text) {
  boost::beast::websocket::detail::utf8_checker checker;
  return checker.write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) &&
         checker.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  Check(IsValidUtf8(raw) == BeastSaysUtf8(raw), "IsValidUtf8 disagrees with Beast");
  const parley::base::Utf8Scan scan = parley::base::ScanUtf8(raw);
  using Status = parley::base::Utf8Scan::Status;
  Check((scan.status == Status::kValid) == IsValidUtf8(raw), "ScanUtf8 disagrees with IsValidUtf8");
  Check(scan.complete <= size && IsValidUtf8(raw.substr(0, scan.complete)),
        "ScanUtf8's complete prefix is not valid UTF-8");
  if (scan.status == Status::kValid) Check(scan.complete == size, "a valid scan stops early");
  if (scan.status == Status::kIncomplete) {
    boost::beast::websocket::detail::utf8_checker checker;
    Check(checker.write(data, size), "ScanUtf8 calls incomplete what Beast calls invalid");
  }

  FuzzedDataProvider input(data, size);
  static constexpr std::size_t kLimits[] = {0, 1, 16, 125, 126, 1000, 65536};
  const std::size_t max_message = input.PickValueInArray(kLimits);

  WsReader streamed(max_message);
  std::vector<Seen> pieces;
  std::string whole;
  bool failed = false;
  while (!failed && input.remaining_bytes() > 0) {
    const auto piece_size = input.ConsumeIntegralInRange<std::size_t>(1, 300);
    const bool keep = input.ConsumeBool();
    std::string buffer = input.ConsumeBytesAsString(piece_size);
    whole += buffer;
    streamed.Feed({buffer.data(), buffer.size()});
    for (;;) {
      const WsReader::Event e = streamed.Next();
      if (e.kind == Kind::kNeedMore) break;
      Record(e, max_message, pieces);
      if (e.kind == Kind::kError) {
        failed = true;
        break;
      }
      if (keep) {
        // The connection stops here (its queue is full) and reads into its
        // buffer again later: the reader must not look at the old bytes.
        streamed.Keep();
        std::memset(buffer.data(), 0xA5, buffer.size());
      }
    }
  }

  WsReader at_once(max_message);
  std::vector<Seen> reference;
  at_once.Feed({whole.data(), whole.size()});
  for (;;) {
    const WsReader::Event e = at_once.Next();
    if (e.kind == Kind::kNeedMore) break;
    Record(e, max_message, reference);
    if (e.kind == Kind::kError) break;
  }
  Check(pieces == reference, "the events depend on how the stream was split");
  return 0;
}
