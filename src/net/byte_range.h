#pragma once
// The Range header of a media download (RFC 9110 14.2), single ranges only:
// a request for several ranges, or a malformed one, is answered with the
// whole file (which the RFC allows).
// Pure functions, any thread.

#include <cstdint>
#include <string_view>

namespace parley::net {

enum class RangeKind {
  kWhole,          // no (usable) Range: 200 with every byte
  kPartial,        // 206 with [first, last]
  kUnsatisfiable,  // 416 with Content-Range: bytes */size
};

struct ByteRange {
  RangeKind kind = RangeKind::kWhole;
  std::int64_t first = 0;
  std::int64_t last = 0;  // inclusive
};

// "bytes=0-99", "bytes=100-", "bytes=-500" of a file of `size` bytes.
ByteRange ParseRange(std::string_view header, std::int64_t size);

// Whether an If-None-Match header names `etag` (quoted, as sent in ETag),
// weakly compared (a W/ prefix matches), or is "*".
bool EtagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace parley::net
