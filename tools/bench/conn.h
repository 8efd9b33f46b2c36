#pragma once
// A lean load-generator connection: one socket, callbacks on one io_context
// thread, many thousands per thread (no thread, no coroutine per connection).
//
// Thread contract: Start, Send and Close must run on the io_context the
// connection was made with; the handlers are called there too.
// Lifetime: the owner keeps the Conn alive until its io_context has stopped.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bench {

enum class Transport { kTcp, kWs };
// kTls: tcp over TLS (tls_conn.cc) or wss:// (ws_conn.cc).
enum class Security { kPlain, kTls };

struct Target {
  Transport transport = Transport::kTcp;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  boost::asio::ip::address_v4 source;  // local address to bind (spreads the 4-tuples)
  Security security = Security::kPlain;
  std::string ca_file;  // with kTls: verify the server against it; empty: no verification
};

class Conn {
 public:
  // `cmd` is the TCP header's Cmd or the WebSocket body's "cmd" field.
  using PacketHandler = std::function<void(std::uint16_t cmd, std::string_view body)>;
  using OpenHandler = std::function<void(bool ok)>;
  using ClosedHandler = std::function<void()>;

  virtual ~Conn() = default;
  virtual void Start(OpenHandler on_open) = 0;
  // Queues one packet; `body` carries "cmd". Writes are coalesced.
  virtual void Send(std::uint16_t cmd, std::string_view body) = 0;
  virtual void Close() = 0;

  void OnPacket(PacketHandler h) { on_packet_ = std::move(h); }
  void OnClosed(ClosedHandler h) { on_closed_ = std::move(h); }

 protected:
  PacketHandler on_packet_;
  ClosedHandler on_closed_;
};

std::unique_ptr<Conn> MakeTcpConn(boost::asio::io_context& io, const Target& target);
std::unique_ptr<Conn> MakeWsConn(boost::asio::io_context& io, const Target& target);
std::unique_ptr<Conn> MakeTlsConn(boost::asio::io_context& io, const Target& target);

inline std::unique_ptr<Conn> MakeConn(boost::asio::io_context& io, const Target& target) {
  if (target.transport == Transport::kWs) return MakeWsConn(io, target);
  return target.security == Security::kTls ? MakeTlsConn(io, target) : MakeTcpConn(io, target);
}

// Lean field access on the server's compact JSON (no parse on the hot path).
// `"key":<int>` → the int, or `fallback` when absent.
std::int64_t FindInt(std::string_view body, std::string_view key, std::int64_t fallback = -1);
// `"key":"<text>"` → text (without unescaping), or empty.
std::string_view FindString(std::string_view body, std::string_view key);

}  // namespace parley::bench
