#pragma once
// Image dimensions and thumbnails (libvips).
//
// Decoding is bounded: ProbeImage reads only the header, and MakeThumbnail
// refuses an image of more than `max_pixels` before decoding anything (a
// small file can claim 60000x60000 pixels). libvips's loaders for untrusted
// formats are blocked; it runs one thread per call and caches nothing.
//
// Threads: any thread once InitImageLibrary ran; CPU-heavy: run on Workers.

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/error.h"

namespace parley::media {

// Once per process, before any other call here (idempotent).
void InitImageLibrary();

struct ImageSize {
  std::int64_t width = 0;
  std::int64_t height = 0;
};

// 400 when the file is not an image libvips reads.
base::Result<ImageSize> ProbeImage(const std::filesystem::path& file);

struct Thumbnail {
  ImageSize size;
  std::string content_type;  // image/jpeg, or image/png when the source has alpha
};

// Writes a thumbnail of `file` no larger than `longest_side` on either side
// (never enlarged) to `out`. 413 when the image exceeds `max_pixels`.
base::Result<Thumbnail> MakeThumbnail(const std::filesystem::path& file,
                                      const std::filesystem::path& out, int longest_side,
                                      std::int64_t max_pixels);

}  // namespace parley::media
