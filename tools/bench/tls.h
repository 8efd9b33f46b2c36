#pragma once
// The load generator's TLS (--tls [--ca FILE]), implemented in tls_conn.cc,
// its one translation unit that instantiates asio::ssl's engine: with --ca
// the server's certificate and name are verified; without, nothing is (a
// load generator against a test certificate).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <string>

#include "tools/bench/conn.h"

namespace parley::bench {

// One client context per process (the first caller's CA file).
boost::asio::ssl::context& SharedTlsContext(const std::string& ca_file);

// With a CA file: the certificate must name target.host.
void ExpectServerName(boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream,
                      const Target& target);

// One blocking HTTP/1.1 exchange over TLS: `request` (Connection: close)
// out, everything until the server closes in; "" on failure.
std::string TlsHttpExchange(const std::string& host, std::uint16_t port, const std::string& ca_file,
                            const std::string& request);

}  // namespace parley::bench
