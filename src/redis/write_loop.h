#pragma once
// The writer coroutine both Connection and Subscriber run: it sleeps until
// `out` has bytes (whoever appends cancels `wake`), then sends everything
// queued in one write. Swapping rather than copying lets callers keep
// appending to `out` meanwhile; all of that goes out in the next write.
//
// Threads: on the owner's strand, like every access to `out`.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include <string>

namespace parley::redis {

namespace asio = boost::asio;

// Returns when `keep_going()` turns false (no error) or a write fails (its
// error).
template <class KeepGoing>
asio::awaitable<boost::system::error_code> WriteQueued(asio::ip::tcp::socket& socket,
                                                       std::string& out, asio::steady_timer& wake,
                                                       KeepGoing keep_going) {
  constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
  std::string writing;
  while (keep_going()) {
    if (out.empty()) {
      wake.expires_at(asio::steady_timer::time_point::max());
      co_await wake.async_wait(kAsTuple);
      continue;
    }
    writing.clear();
    writing.swap(out);
    auto [ec, written] = co_await asio::async_write(socket, asio::buffer(writing), kAsTuple);
    if (ec) co_return ec;
  }
  co_return boost::system::error_code{};
}

}  // namespace parley::redis
