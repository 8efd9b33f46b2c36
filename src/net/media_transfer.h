#pragma once
// POST /api/media and GET /api/media/{id} (docs/protocol.md "Media"),
// streamed: an upload goes from the socket through a 64 KiB buffer into a
// spool file (hashed on the way), a download from the storage's reader
// through a 64 KiB buffer to the socket (an S3 reader adds its read-ahead
// window, at most 1 MiB: media/s3_storage.h). Memory per transfer is those buffers, whatever the
// file's size; the socket's pace sets the disk's and the other way round.
//
// The second Beast translation unit (besides ws_http_session.cc, which
// reads the request header and hands media requests over).
//
// Threads: the HTTP session's executor.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string_view>

#include "net/http_stream.h"
#include "net/server_context.h"

namespace parley::net {

// "/api/media" and "/api/media/<anything>".
bool IsMediaPath(std::string_view path);

enum class AfterMedia { kKeepAlive, kClose };

// Answers the media request whose header `header` has read (its body, if
// any, still unread in `stream` / `buffer`). kClose when the connection
// cannot carry another request (a body left unread, a failed write, or the
// client asked).
asio::awaitable<AfterMedia> ServeMedia(
    ServerContext& context, HttpStream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::empty_body>& header);

}  // namespace parley::net
