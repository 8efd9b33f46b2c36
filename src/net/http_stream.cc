#include "net/http_stream.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace parley::net {

namespace asio = boost::asio;

struct HttpDeadline::State {
  explicit State(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool expired = false;
  asio::ip::tcp::socket* socket = nullptr;
  // Tells the current deadline's expiry from that of one replaced after its
  // handler was already queued.
  std::uint64_t generation = 0;
};

HttpDeadline::HttpDeadline(const asio::any_io_executor& executor)
    : state_(std::make_shared<State>(executor)) {}

HttpDeadline::~HttpDeadline() { Never(); }

bool HttpDeadline::expired() const { return state_->expired; }

void HttpDeadline::Watch(asio::ip::tcp::socket* socket) { state_->socket = socket; }

void HttpDeadline::ExpiresAfter(std::chrono::steady_clock::duration timeout) {
  state_->expired = false;
  const std::uint64_t generation = ++state_->generation;
  state_->timer.expires_after(timeout);
  state_->timer.async_wait(
      [weak = std::weak_ptr<State>(state_), generation](boost::system::error_code ec) {
        const std::shared_ptr<State> state = weak.lock();
        if (ec || !state || state->generation != generation) return;
        state->expired = true;
        boost::system::error_code ignored;
        if (state->socket) state->socket->cancel(ignored);
      });
}

void HttpDeadline::Never() {
  state_->expired = false;
  ++state_->generation;
  state_->timer.cancel();
}

HttpStream::HttpStream(asio::ip::tcp::socket socket, std::unique_ptr<TlsSession> tls)
    : SocketStream(std::move(socket), std::move(tls), socket.get_executor()) {
  deadline().Watch(&this->socket());
}

void HttpStream::cancel() {
  boost::system::error_code ignored;
  socket().cancel(ignored);
}

asio::awaitable<boost::system::error_code> HttpStream::Handshake() {
  TlsSession& tls_session = *tls();
  for (;;) {
    boost::system::error_code ec;
    tls_session.Handshake(ec);
    if (ec != asio::error::would_block) co_return ec;
    if (deadline().expired()) co_return asio::error::timed_out;
    auto [wait_ec] = co_await socket().async_wait(tls_session.pending_wait(),
                                                  asio::as_tuple(asio::use_awaitable));
    if (wait_ec) co_return deadline().expired() ? asio::error::timed_out : wait_ec;
  }
}

void HttpStream::DiscardInput() {
  std::array<char, 4096> sink;
  boost::system::error_code ec;
  socket().non_blocking(true, ec);
  for (int i = 0; i < 4 && !ec; ++i) socket().read_some(asio::buffer(sink), ec);
}

std::pair<asio::ip::tcp::socket, std::unique_ptr<TlsSession>> HttpStream::Release() {
  deadline().Never();
  deadline().Watch(nullptr);
  return SocketStream::Release();
}

}  // namespace parley::net
