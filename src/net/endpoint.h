#pragma once
// "ADDR:PORT" <-> TCP endpoint, for the listen flags and the start-up lines.
// Pure functions, any thread.

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::net {

// Parses "0.0.0.0:8090", "127.0.0.1:0", "[::1]:8080", "localhost:8080"
// (= 127.0.0.1) or ":8080" (= 0.0.0.0); the syntax is base::ParseHostPort's.
// No DNS lookups: a listen address is an IP literal. Error 400 with a
// message naming the bad part.
base::Result<boost::asio::ip::tcp::endpoint> ParseEndpoint(std::string_view text);

// "127.0.0.1:8090" or "[::1]:8090".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// The address part of a FormatEndpoint text ("1.2.3.4:80" -> "1.2.3.4",
// "[::1]:80" -> "::1"); the text itself when it is not one ("unknown").
// Rate limits per client IP key on it.
std::string ClientIp(std::string_view peer);

}  // namespace parley::net
