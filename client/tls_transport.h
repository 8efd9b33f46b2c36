#pragma once
// The binary TCP protocol over TLS (docs/protocol.md "TLS"): the frames of
// tcp_transport.h inside a TLS 1.2+ session that verifies the server's
// certificate against `TlsOptions::ca_file` (or the system's trust store)
// and its name against the host the client connects to. Implemented in
// tls_transport.cc, the client's one translation unit that instantiates
// asio::ssl.

#include <memory>

#include "client/transport.h"

namespace parley::client {

std::unique_ptr<Transport> MakeTlsTcpTransport(asio::any_io_executor executor,
                                               std::uint32_t max_frame, TlsOptions tls);

}  // namespace parley::client
