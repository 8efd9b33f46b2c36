#pragma once
// Every open connection of a Server (TCP, WebSocket and plain HTTP), so that
// shutdown can close them all and wait until they are gone.
//
// Threads: every method is safe from any thread. WaitEmpty blocks: never call
// it on an I/O thread (the connections it waits for need that thread).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::net {

// What shutdown needs of a connection.
class Closable {
 public:
  virtual ~Closable() = default;
  // Stops reading, lets the request in progress finish and its reply go out,
  // then closes. Safe from any thread.
  virtual void Close(std::string reason) = 0;
};

// Process-unique connection ids, shared by every kind of connection.
std::uint64_t NextConnectionId();

class ConnectionRegistry {
 public:
  // Registers a connection from `client_ip` until Remove. After CloseAll,
  // the connection is closed at once (it raced with shutdown).
  void Add(std::uint64_t id, std::shared_ptr<Closable> connection, std::string client_ip);
  void Remove(std::uint64_t id);

  // Connections registered now from `client_ip` (--max-connections-per-ip).
  std::size_t CountFrom(const std::string& client_ip) const;

  // Closes every connection registered now or later.
  void CloseAll(const std::string& reason);

  // True when no connection is left, false when `timeout` passed first.
  bool WaitEmpty(std::chrono::milliseconds timeout);

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  struct Entry {
    std::shared_ptr<Closable> connection;
    std::string client_ip;
  };
  std::unordered_map<std::uint64_t, Entry> connections_;
  std::unordered_map<std::string, std::size_t> per_address_;
  bool closing_ = false;
  std::string close_reason_;
};

}  // namespace parley::net
