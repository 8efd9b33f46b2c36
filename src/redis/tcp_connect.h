#pragma once
// Resolve + connect with one deadline, and the 503 every Redis client class
// answers with, shared by Connection, Subscriber and Client.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/error.h"

namespace parley::redis {

namespace asio = boost::asio;

// 503 "redis unavailable: <why>".
base::Error Unavailable(const std::string& why);

// Connects `socket` (which must be closed) to host:port and sets TCP_NODELAY.
// Must be awaited on the socket's executor (strand); `socket` must outlive
// the call. 503 "redis unavailable: ..." on failure or after `timeout`.
boost::asio::awaitable<base::Result<void>> TcpConnect(boost::asio::ip::tcp::socket& socket,
                                                      const std::string& host, std::uint16_t port,
                                                      std::chrono::milliseconds timeout);

}  // namespace parley::redis
