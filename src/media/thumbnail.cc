#include "media/thumbnail.h"

#include <vips/vips.h>

#include <mutex>

namespace parley::media {

namespace {

base::Error VipsError(base::Code code, std::string_view what) {
  std::string message = std::string(what) + ": " + vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return base::MakeError(code, std::move(message));
}

// Unrefs a VipsImage on scope exit.
struct ImageRef {
  VipsImage* image = nullptr;
  ~ImageRef() {
    if (image != nullptr) g_object_unref(image);
  }
};

}  // namespace

void InitImageLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("parleyd") != 0) vips_error_exit("vips_init");
    // Only the loaders that fuzzing keeps safe (jpeg, png, gif, webp, ...).
    vips_block_untrusted_set(TRUE);
    // Workers bound the parallelism; one image must not take every core.
    vips_concurrency_set(1);
    // Every upload is a different file: caching operations only holds memory.
    vips_cache_set_max(0);
  });
}

base::Result<ImageSize> ProbeImage(const std::filesystem::path& file) {
  ImageRef header;
  header.image = vips_image_new_from_file(file.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  if (header.image == nullptr) return VipsError(base::Code::kBadRequest, "not a readable image");
  return ImageSize{vips_image_get_width(header.image), vips_image_get_height(header.image)};
}

base::Result<Thumbnail> MakeThumbnail(const std::filesystem::path& file,
                                      const std::filesystem::path& out, int longest_side,
                                      std::int64_t max_pixels) {
  PARLEY_ASSIGN_OR_RETURN(const ImageSize source, ProbeImage(file));
  if (source.width * source.height > max_pixels) {
    return base::MakeError(base::Code::kTooLarge, "image has too many pixels for a thumbnail");
  }
  ImageRef thumb;
  if (vips_thumbnail(file.c_str(), &thumb.image, longest_side, "height", longest_side, "size",
                     VIPS_SIZE_DOWN, nullptr) != 0) {
    return VipsError(base::Code::kBadRequest, "thumbnail failed");
  }
  Thumbnail result;
  result.size = {vips_image_get_width(thumb.image), vips_image_get_height(thumb.image)};
  int saved = 0;
  if (vips_image_hasalpha(thumb.image)) {
    result.content_type = "image/png";
    saved = vips_pngsave(thumb.image, out.c_str(), "strip", TRUE, nullptr);
  } else {
    result.content_type = "image/jpeg";
    saved = vips_jpegsave(thumb.image, out.c_str(), "Q", 80, "strip", TRUE, nullptr);
  }
  if (saved != 0) return VipsError(base::Code::kInternal, "thumbnail save failed");
  return result;
}

}  // namespace parley::media
