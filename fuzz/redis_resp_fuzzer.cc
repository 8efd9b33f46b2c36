// The RESP reply reader (redis/resp_codec.h) fed what a Redis server (or
// anything in its place) sends, in pieces the fuzzer chooses; and the
// command writer, whose output is RESP too. Properties: the replies are
// those of the same stream fed whole; a command AppendCommand wrote reads
// back as the array of its arguments.
//
// Input: the stream from the front, piece sizes from the back; the command's
// arguments are the stream cut at each '\n'.

#include <fuzzer/FuzzedDataProvider.h>

#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "redis/resp_codec.h"

namespace {

using parley::fuzz::Check;
using parley::redis::Reply;
using parley::redis::ReplyReader;

// Takes every complete reply (as text); false once the stream failed.
bool Drain(ReplyReader& reader, std::vector<std::string>& out) {
  for (;;) {
    auto next = reader.Next();
    if (!next) return false;
    if (!*next) return true;
    out.push_back((*next)->DebugString());
  }
}

void CheckCommand(std::string_view stream) {
  parley::redis::Args args;
  std::size_t at = 0;
  while (at <= stream.size() && args.size() < 64) {
    const std::size_t end = std::min(stream.find('\n', at), stream.size());
    args.emplace_back(stream.substr(at, end - at));
    at = end + 1;
  }
  std::string command;
  Check(parley::redis::AppendCommand(command, args), "AppendCommand refused arguments");
  ReplyReader reader;
  reader.Feed(command.data(), command.size());
  auto reply = reader.Next();
  Check(reply && *reply && (*reply)->IsArray(), "a command does not read back as an array");
  const auto& elements = (*reply)->elements();
  Check(elements.size() == args.size(), "a command read back with other arguments");
  for (std::size_t i = 0; i < args.size(); ++i) {
    Check(elements[i].IsString() && elements[i].str() == args[i], "an argument changed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  ReplyReader streamed;
  std::vector<std::string> pieces;
  std::string whole;
  bool open = true;
  while (open && input.remaining_bytes() > 0) {
    const std::string piece =
        input.ConsumeBytesAsString(input.ConsumeIntegralInRange<std::size_t>(1, 300));
    whole += piece;
    streamed.Feed(piece.data(), piece.size());
    open = Drain(streamed, pieces);
  }
  ReplyReader at_once;
  std::vector<std::string> reference;
  at_once.Feed(whole.data(), whole.size());
  const bool reference_open = Drain(at_once, reference);
  Check(open == reference_open && pieces == reference,
        "the replies depend on how the stream was split");

  CheckCommand(whole);
  return 0;
}
