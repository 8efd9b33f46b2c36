#pragma once
// One device of the soak: a raw binary-TCP or WebSocket JSON connection
// (the test harness's raw clients, not the client library, so the checker
// does not trust the code it checks). Requests are answered in order on a
// connection; packets that arrive while waiting (pushes, events) go to the
// `on_packet` callback.
//
// Threads: one thread at a time.

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace parley::testing {
class RawTcpClient;
class RawWsClient;
}  // namespace parley::testing

namespace parley::soak {

enum class Transport { kTcp, kWs };

class SoakDevice {
 public:
  using OnPacket = std::function<void(const boost::json::object&)>;

  SoakDevice(Transport transport, std::string user_id, OnPacket on_packet);
  ~SoakDevice();

  Transport transport() const { return transport_; }
  const std::string& user_id() const { return user_id_; }
  bool connected() const;

  // Connects to 127.0.0.1:`port` and logs in; false on any failure.
  bool Connect(std::uint16_t port);
  void Disconnect();

  // Sends the request and waits for its reply (same cmd, not an event);
  // nullopt on timeout or a closed connection, which also disconnects.
  std::optional<boost::json::object> Call(std::uint16_t cmd, const boost::json::object& body,
                                          std::chrono::milliseconds timeout);
  // Reads whatever arrives within `timeout` (pushes) and hands it on.
  void Drain(std::chrono::milliseconds timeout);

 private:
  std::optional<boost::json::object> ReadPacket(std::chrono::milliseconds timeout);

  const Transport transport_;
  const std::string user_id_;
  const OnPacket on_packet_;
  std::unique_ptr<testing::RawTcpClient> tcp_;
  std::unique_ptr<testing::RawWsClient> ws_;
};

}  // namespace parley::soak
