#pragma once
// Writing an HttpAnswer with Beast (plain or TLS: http_stream.h), shared by the two Beast translation
// units (ws_http_session.cc, media_transfer.cc).
//
// Threads: the stream's executor.

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "net/http_router.h"
#include "net/http_stream.h"

namespace parley::net {

// False when the write failed (the connection is then unusable).
asio::awaitable<bool> WriteAnswer(HttpStream& stream, HttpAnswer answer,
                                  unsigned version, bool keep_alive, std::chrono::seconds timeout);

}  // namespace parley::net
