#include "integration/harness/test_images.h"

#include <array>

namespace parley::testing {
namespace {

std::uint32_t Crc32(const std::string& data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void Put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void Chunk(std::string& png, const char* type, const std::string& data) {
  Put32(png, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  png += typed;
  Put32(png, Crc32(typed));
}

// A zlib stream of stored blocks.
std::string Stored(const std::string& raw) {
  std::string out = "\x78\x01";
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<char>(n & 0xFF));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(~n & 0xFF));
    out.push_back(static_cast<char>((~n >> 8) & 0xFF));
    out.append(raw, pos, n);
    pos += n;
  } while (pos < raw.size());
  Put32(out, (b << 16) | a);
  return out;
}

}  // namespace

std::string MakePng(std::uint32_t width, std::uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  Put32(header, width);
  Put32(header, height);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  Chunk(png, "IHDR", header);
  std::string raw;
  raw.reserve(static_cast<std::size_t>(height) * (1 + width * 3));
  for (std::uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);  // filter: none
    for (std::uint32_t x = 0; x < width; ++x) {
      raw.push_back(static_cast<char>(x & 0xFF));
      raw.push_back(static_cast<char>(y & 0xFF));
      raw.push_back(static_cast<char>((x + y) & 0xFF));
    }
  }
  Chunk(png, "IDAT", Stored(raw));
  Chunk(png, "IEND", "");
  return png;
}

std::optional<std::pair<int, int>> JpegSize(const std::string& jpeg) {
  auto byte = [&jpeg](std::size_t i) { return static_cast<unsigned char>(jpeg[i]); };
  if (jpeg.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return std::nullopt;
  std::size_t i = 2;
  while (i + 9 < jpeg.size()) {
    if (byte(i) != 0xFF) return std::nullopt;
    const unsigned char marker = byte(i + 1);
    const std::size_t length = (byte(i + 2) << 8) | byte(i + 3);
    if (marker >= 0xC0 && marker <= 0xC2) {
      const int height = (byte(i + 5) << 8) | byte(i + 6);
      const int width = (byte(i + 7) << 8) | byte(i + 8);
      return std::make_pair(width, height);
    }
    i += 2 + length;
  }
  return std::nullopt;
}

}  // namespace parley::testing
