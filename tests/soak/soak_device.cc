#include "soak/soak_device.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"

namespace parley::soak {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

SoakDevice::SoakDevice(Transport transport, std::string user_id, OnPacket on_packet)
    : transport_(transport), user_id_(std::move(user_id)), on_packet_(std::move(on_packet)) {}

SoakDevice::~SoakDevice() = default;

bool SoakDevice::connected() const { return tcp_ != nullptr || ws_ != nullptr; }

bool SoakDevice::Connect(std::uint16_t port) {
  Disconnect();
  const std::string token = testing::TestToken(user_id_, 24 * 3600);
  if (transport_ == Transport::kTcp) {
    auto tcp = std::make_unique<testing::RawTcpClient>(port);
    if (!tcp->connected() || !tcp->Login(token)) return false;
    tcp_ = std::move(tcp);
  } else {
    auto ws = std::make_unique<testing::RawWsClient>(port, "/ws?token=" + token);
    if (!ws->upgraded()) return false;
    ws_ = std::move(ws);
  }
  return true;
}

void SoakDevice::Disconnect() {
  tcp_.reset();
  ws_.reset();
}

std::optional<json::object> SoakDevice::ReadPacket(std::chrono::milliseconds timeout) {
  if (tcp_) {
    auto packet = tcp_->Read(timeout);
    return packet;
  }
  if (!ws_) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    testing::RawWsClient::ServerFrame frame = ws_->Read(left);
    if (frame.opcode == 9) {  // ping: answer, keep reading
      ws_->Send(10, frame.payload);
      continue;
    }
    if (frame.opcode != 1) return std::nullopt;  // timeout, close or garbage
    boost::system::error_code ec;
    json::value v = json::parse(frame.payload, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v.as_object();
  }
}

std::optional<json::object> SoakDevice::Call(std::uint16_t cmd, const json::object& body,
                                             std::chrono::milliseconds timeout) {
  bool sent = false;
  if (tcp_) {
    sent = tcp_->SendFrame(cmd, json::serialize(body));
  } else if (ws_) {
    json::object packet = body;
    packet["cmd"] = cmd;
    sent = ws_->Send(1, json::serialize(packet));
  }
  if (!sent) {
    Disconnect();
    return std::nullopt;
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto packet = left.count() > 0 ? ReadPacket(left) : std::nullopt;
    if (!packet) {
      Disconnect();  // a late reply would answer the wrong request
      return std::nullopt;
    }
    const json::value* packet_cmd = packet->if_contains("cmd");
    if (packet_cmd != nullptr && packet_cmd->is_int64() && packet_cmd->as_int64() == cmd &&
        !packet->contains("event")) {
      return packet;
    }
    on_packet_(*packet);
  }
}

void SoakDevice::Drain(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (connected()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    auto packet = ReadPacket(left);
    if (!packet) return;  // quiet (or closed: the next Call finds out)
    on_packet_(*packet);
  }
}

}  // namespace parley::soak
