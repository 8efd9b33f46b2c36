// The TCP frame decoder (protocol/frame_codec.h) fed a byte stream in pieces
// the fuzzer chooses, through both of its input paths (Feed, and
// WritableSpace + Commit as the connection reads). Properties: the frames
// and the error are those of the same stream fed whole, and what stays
// buffered after a drain is less than one frame.
//
// Input: the stream from the front; the limit, piece sizes and input paths
// from the back (FuzzedDataProvider takes integers from the end).

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "protocol/frame_codec.h"

namespace {

using parley::fuzz::Check;
using parley::protocol::Frame;
using parley::protocol::FrameDecoder;

struct Outcome {
  std::vector<Frame> frames;
  std::optional<int> error;  // its code
};

// Takes every whole frame; false once the stream failed.
bool Drain(FrameDecoder& decoder, Outcome& out) {
  for (;;) {
    auto next = decoder.Next();
    if (!next) {
      out.error = static_cast<int>(next.error().code);
      return false;
    }
    if (!*next) return true;
    out.frames.push_back(std::move(**next));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto max_frame = input.ConsumeIntegralInRange<std::uint32_t>(0, 512);

  FrameDecoder streamed(max_frame);
  Outcome pieces;
  std::string whole;
  bool open = true;
  while (open && input.remaining_bytes() > 0) {
    const auto piece_size = input.ConsumeIntegralInRange<std::size_t>(1, 700);
    const bool by_commit = input.ConsumeBool();
    const bool release = input.ConsumeBool();
    const std::string piece = input.ConsumeBytesAsString(piece_size);
    whole += piece;
    if (by_commit) {
      // As a read does: space for up to 4096 bytes, fewer arrive.
      const std::span<char> space = streamed.WritableSpace(std::max<std::size_t>(piece.size(), 1));
      Check(space.size() >= piece.size(), "WritableSpace smaller than asked");
      std::memcpy(space.data(), piece.data(), piece.size());
      streamed.Commit(piece.size());
    } else {
      streamed.Feed(piece);
    }
    open = Drain(streamed, pieces);
    if (open) {
      Check(streamed.BufferedBytes() < parley::protocol::kLengthFieldSize +
                                           std::max(max_frame, parley::protocol::kMinFrameLength),
            "more than one frame buffered after a drain");
    }
    if (release) streamed.ReleaseIfEmpty();
  }

  FrameDecoder at_once(max_frame);
  Outcome reference;
  if (!whole.empty()) at_once.Feed(whole);
  Drain(at_once, reference);

  Check(pieces.error == reference.error, "the error depends on how the stream was split");
  Check(pieces.frames.size() == reference.frames.size(), "frame count depends on the split");
  for (std::size_t i = 0; i < pieces.frames.size(); ++i) {
    Check(pieces.frames[i].cmd == reference.frames[i].cmd &&
              pieces.frames[i].body == reference.frames[i].body,
          "a frame depends on how the stream was split");
    Check(pieces.frames[i].body.size() + 4 <= std::max(max_frame, 4u), "frame above the limit");
  }
  return 0;
}
