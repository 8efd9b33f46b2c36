#pragma once
// UTF-8 well-formedness (RFC 3629, Unicode Table 3-7), for what must be
// valid text on the wire or in a log: WebSocket text messages and close
// reasons (net/ws_frame.h, RFC 6455 8.1), JSON log lines
// (base/json_log_formatter.h). Pure functions; any thread.

#include <cstddef>
#include <string_view>

namespace parley::base {

// How much of `text` is well-formed UTF-8: kValid (all of it), kIncomplete
// (well-formed up to a code point that the end cuts: more bytes may complete
// it) or kInvalid (at an ill-formed sequence). `complete`: the bytes before
// the incomplete or invalid sequence.
struct Utf8Scan {
  enum class Status { kValid, kIncomplete, kInvalid };
  Status status = Status::kValid;
  std::size_t complete = 0;
};
Utf8Scan ScanUtf8(std::string_view text);
bool IsValidUtf8(std::string_view text);

}  // namespace parley::base
