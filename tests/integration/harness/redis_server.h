#pragma once
// A real redis-server for tests: a free loopback port, its own temporary
// dir (AOF on, RDB snapshots off), killed and removed on destruction.
//
// Blocking; call from the test thread only.

#include <cstdint>
#include <filesystem>
#include <string>

#include "integration/harness/child_process.h"

namespace parley::testing {

class RedisServer {
 public:
  // Starts the server and waits until it answers PING. Throws
  // std::runtime_error, with the server's log, on failure.
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

  // SIGTERM (Redis flushes its AOF) and wait.
  void Stop();
  // SIGKILL: the crash case.
  void Kill9();
  // Starts again (after Stop or Kill9) on the same port and dir, so clients
  // reconnect to the same address and find the data of the AOF.
  void Restart();
  std::string Log() const;

 private:
  // One attempt on port_; false when the server exited (port taken).
  bool TryStart();

  const std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
  ChildProcess process_;
};

}  // namespace parley::testing
