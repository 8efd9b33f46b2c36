#pragma once
// The binary TCP gateway's connection (docs/protocol.md "TCP"): length-prefixed frames
// in, gather-written frames out. Everything else is Connection's.
//
// Threads: call on the socket's executor (the I/O thread it was accepted for).

#include <boost/asio/ip/tcp.hpp>

#include "net/server_context.h"

namespace parley::net {

void StartTcpConnection(asio::ip::tcp::socket socket, ServerContext& context);

}  // namespace parley::net
