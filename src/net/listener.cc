#include "net/listener.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "net/endpoint.h"
#include <cerrno>
#include <stdexcept>

#include "net/endpoint.h"

namespace parley::net {
namespace {

using asio::ip::tcp;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kLogInterval{10};

int OpenSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors ||
         (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

}  // namespace

Listener::Listener(std::string name, const std::string& listen, asio::any_io_executor executor,
                   ServerContext& context, OnAccept on_accept, std::string refusal)
    : name_(std::move(name)),
      acceptor_(executor),
      context_(context),
      on_accept_(std::move(on_accept)),
      refusal_(std::move(refusal)),
      spare_fd_(OpenSpare()) {
  auto fail = [&](const std::string& reason) {
    throw std::runtime_error("cannot listen " + name_ + " on " + listen + ": " + reason);
  };
  const auto endpoint = ParseEndpoint(listen);
  if (!endpoint) fail(endpoint.error().message);

  boost::system::error_code ec;
  acceptor_.open(endpoint->protocol(), ec);
  // Restarting must not wait for TIME_WAIT sockets of the previous process.
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(*endpoint, ec);
  if (!ec) acceptor_.listen(tcp::acceptor::max_listen_connections, ec);
  if (!ec) endpoint_ = acceptor_.local_endpoint(ec);
  // ShedOnePending's synchronous accept must say would_block, not wait.
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec) fail(ec.message());
}

Listener::~Listener() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void Listener::StartAccepting() {
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                 [self = shared_from_this()](std::exception_ptr e) {
                   if (e) spdlog::error("{} accept loop ended by an exception", self->name_);
                 });
}

void Listener::Stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

asio::awaitable<void> Listener::AcceptLoop() {
  while (acceptor_.is_open()) {
    // The new socket is bound to the I/O thread it will live on.
    auto [ec, socket] = co_await acceptor_.async_accept(context_.NextExecutor(), kToken);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec && OutOfDescriptors(ec)) {
      switch (ShedOnePending()) {
        case Shed::kRefusedOne:
          continue;
        case Shed::kNonePending:
          // Asio tries accept before the socket is readable, which fails
          // the same way: wait until someone is really waiting.
          co_await acceptor_.async_wait(tcp::acceptor::wait_read, kToken);
          continue;
        case Shed::kNoSpare:
          break;  // back off below
      }
    }
    if (ec) {
      // No spare descriptor, or another error: back off instead of
      // spinning; existing connections keep being served.
      LogThrottled("accept failed: " + ec.message());
      if (spare_fd_ < 0) spare_fd_ = OpenSpare();
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kToken);
      continue;
    }
    if (AtConnectionLimit()) {
      Refuse(socket, "at the connection limit");
      continue;
    }
    if (AtAddressLimit(socket)) {
      context_.refused_per_address.fetch_add(1, std::memory_order_relaxed);
      Refuse(socket, "too many connections from one address");
      continue;
    }
    const auto executor = socket.get_executor();
    asio::post(executor, [this, self = shared_from_this(), socket = std::move(socket)]() mutable {
      on_accept_(std::move(socket), context_);
    });
  }
}

bool Listener::AtConnectionLimit() const {
  const std::size_t limit = context_.options.max_connections;
  return limit != 0 && context_.registry.size() >= limit;
}

bool Listener::AtAddressLimit(const tcp::socket& socket) const {
  const std::size_t limit = context_.options.max_connections_per_ip;
  if (limit == 0) return false;
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return false;
  return context_.registry.CountFrom(ClientIp(FormatEndpoint(peer))) >= limit;
}

Listener::Shed Listener::ShedOnePending() {
  if (spare_fd_ < 0) return Shed::kNoSpare;
  ::close(spare_fd_);
  boost::system::error_code ec;
  tcp::socket socket(acceptor_.get_executor());
  acceptor_.accept(socket, ec);
  const bool accepted = !ec;
  if (accepted) Refuse(socket, "out of file descriptors");
  spare_fd_ = OpenSpare();  // -1 when another thread took the slot: kNoSpare next time
  return accepted ? Shed::kRefusedOne : Shed::kNonePending;
}

// Best effort and never blocking: a few dozen bytes fit any socket buffer.
// What the peer sent already is read first, so that the close sends a FIN,
// not a RST that could discard the refusal on its way.
void Listener::Refuse(tcp::socket& socket, const char* why) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(refusal_), ec);
  std::array<char, 4096> sink;
  for (int i = 0; i < 4; ++i) {
    socket.read_some(asio::buffer(sink), ec);
    if (ec) break;  // would_block: read all there was
  }
  socket.close(ec);
  LogThrottled(std::string("refused a connection: ") + why);
}

void Listener::LogThrottled(const std::string& what) {
  ++events_since_log_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log_ < kLogInterval) return;
  spdlog::warn("{} listener: {} ({} such events since the last warning)", name_, what,
               events_since_log_);
  last_log_ = now;
  events_since_log_ = 0;
}

}  // namespace parley::net
