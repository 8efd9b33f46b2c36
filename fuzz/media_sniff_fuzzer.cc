// The media type sniffer (media/sniff.h) on the bytes of an upload: libmagic
// with parleyd's flags (no decompression) must name a type for anything.

#include "fuzz_check.h"
#include "media/sniff.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string type = parley::media::SniffContentType(data, size);
  parley::fuzz::Check(!type.empty() && type.find('/') != std::string::npos,
                      "the sniffer named no media type");
  return 0;
}
