#pragma once
// A loopback TCP proxy that a test can cut and restore, and point at a new
// upstream port: it makes a device go offline (its client keeps retrying) and
// hides a server restart on a new port from the clients.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace parley::testing {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }

  // Offline: every open connection is cut and new ones are closed at once.
  void SetOnline(bool online);
  void SetUpstream(std::uint16_t upstream_port) { upstream_port_ = upstream_port; }

 private:
  void AcceptLoop();
  void Pump(int client_fd);
  void CutAll();

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::uint16_t> upstream_port_;
  std::atomic<bool> online_{true};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> open_fds_;  // both ends of every pumped connection
  std::vector<std::thread> pumps_;
};

}  // namespace parley::testing
