// The TCP frame codec: encoding one frame, decoding a stream of frames.
#include <benchmark/benchmark.h>

#include "protocol/frame_codec.h"

namespace {

using parley::protocol::EncodeFrame;
using parley::protocol::FrameDecoder;

void BM_EncodeFrame(benchmark::State& state) {
  const std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(EncodeFrame(2, body));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (state.range(0) + 8));
}
BENCHMARK(BM_EncodeFrame)->Arg(200)->Arg(4096);

// 64 frames arrive in reads of 4 KiB, as a busy connection sees them.
void BM_DecodeFrames(benchmark::State& state) {
  const std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  std::string stream;
  for (int i = 0; i < 64; ++i) stream += EncodeFrame(2, body);
  for (auto _ : state) {
    FrameDecoder decoder;
    std::size_t frames = 0;
    for (std::size_t at = 0; at < stream.size(); at += 4096) {
      decoder.Feed(std::string_view(stream).substr(at, 4096));
      for (;;) {
        auto next = decoder.Next();
        if (!next || !*next) break;
        ++frames;
      }
    }
    benchmark::DoNotOptimize(frames);
  }
  state.SetItemsProcessed(state.iterations() * 64);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_DecodeFrames)->Arg(200)->Arg(4096);

}  // namespace
