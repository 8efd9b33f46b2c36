#pragma once
// Images made in memory for the media tests: a PNG of any size (stored,
// uncompressed deflate blocks, so no zlib), and the size a JPEG says it has.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace parley::testing {

// An RGB PNG of `width` x `height` with a gradient.
std::string MakePng(std::uint32_t width, std::uint32_t height);

// {width, height} from a JPEG's SOF marker; nullopt when there is none.
std::optional<std::pair<int, int>> JpegSize(const std::string& jpeg);

}  // namespace parley::testing
