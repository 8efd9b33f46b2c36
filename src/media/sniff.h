#pragma once
// The type of a file from its bytes (libmagic), never from a client's name
// or header: "image/png", "text/html", ...; "application/octet-stream" when
// libmagic cannot tell.
//
// Threads: any thread (one libmagic handle per thread: magic_t is not
// thread-safe). Blocks on file reads: run on Workers.

#include <cstddef>
#include <filesystem>
#include <string>

namespace parley::media {

std::string SniffContentType(const std::filesystem::path& file);
std::string SniffContentType(const void* data, std::size_t size);

}  // namespace parley::media
