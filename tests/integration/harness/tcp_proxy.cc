#include "integration/harness/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace parley::testing {
namespace {

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Copies what is readable on `from` to `to`; false when either side is done.
bool Forward(int from, int to) {
  char buf[65536];
  const ssize_t n = ::recv(from, buf, sizeof buf, 0);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("proxy cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  CutAll();
  for (auto& t : pumps_) t.join();
}

void TcpProxy::SetOnline(bool online) {
  online_ = online;
  if (!online) CutAll();
}

void TcpProxy::CutAll() {
  std::lock_guard lock(mutex_);
  // shutdown (not close) wakes the pump threads; they close their own fds.
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
}

void TcpProxy::AcceptLoop() {
  while (!stopping_) {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    if (!online_) {
      ::close(client);
      continue;
    }
    std::lock_guard lock(mutex_);
    pumps_.emplace_back([this, client] { Pump(client); });
  }
}

void TcpProxy::Pump(int client) {
  const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(upstream_port_);
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(upstream);
    ::close(client);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    open_fds_.push_back(client);
    open_fds_.push_back(upstream);
  }
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, 200) < 0) break;
    if (stopping_ || !online_) break;
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(client, upstream)) break;
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(upstream, client)) break;
  }
  {
    std::lock_guard lock(mutex_);
    std::erase(open_fds_, client);
    std::erase(open_fds_, upstream);
  }
  ::close(client);
  ::close(upstream);
}

}  // namespace parley::testing
