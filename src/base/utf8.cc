#include "base/utf8.h"

namespace parley::base {

// The well-formed byte sequences of Unicode's Table 3-7 (RFC 3629): no
// overlong forms, surrogates or code points above U+10FFFF, each rejected at
// its first wrong byte, as RFC 6455 8.1 asks of text.
Utf8Scan ScanUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    unsigned char low = 0x80;  // the range of the second byte
    unsigned char high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      if (b == 0xE0) low = 0xA0;   // overlong
      if (b == 0xED) high = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      if (b == 0xF0) low = 0x90;   // overlong
      if (b == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return {Utf8Scan::Status::kInvalid, i};
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k == n) return {Utf8Scan::Status::kIncomplete, i};
      const unsigned char c = p[i + k];
      const bool in_range = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
      if (!in_range) return {Utf8Scan::Status::kInvalid, i};
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return {Utf8Scan::Status::kValid, n};
}

bool IsValidUtf8(std::string_view text) {
  return ScanUtf8(text).status == Utf8Scan::Status::kValid;
}

}  // namespace parley::base
