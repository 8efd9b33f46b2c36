// Several gateways (cluster mode): --tcp-ports / --ws-ports list one port per
// gateway; the chat scenario puts sender i on gateway i mod n and its
// receiver on gateway (i + 1) mod n, so every message crosses gateways.
#include <iostream>

#include "tools/bench/bench.h"

namespace parley::bench {

std::size_t GatewayCount(const Options& o) {
  return o.transport == Transport::kTcp ? o.tcp_ports.size() : o.ws_ports.size();
}

std::uint16_t GatewayPort(const Options& o, std::size_t gateway) {
  const auto& ports = o.transport == Transport::kTcp ? o.tcp_ports : o.ws_ports;
  if (ports.empty()) return o.transport == Transport::kTcp ? o.tcp_port : o.ws_port;
  return ports[gateway % ports.size()];
}

bool ApplyGatewayPorts(Options& o) {
  if (!o.ws_ports.empty()) o.ws_port = o.ws_ports.front();  // registration: the first gateway
  if (!o.tcp_ports.empty()) o.tcp_port = o.tcp_ports.front();
  const bool multi = !o.tcp_ports.empty() || !o.ws_ports.empty();
  if (!multi) return true;
  if (o.scenario != "chat") {
    std::cerr << "parley-bench: --tcp-ports/--ws-ports apply to --scenario chat only\n";
    return false;
  }
  if (GatewayCount(o) < 2) {
    std::cerr << "parley-bench: cross-gateway chat needs 2+ ports for --transport "
              << (o.transport == Transport::kTcp ? "tcp (--tcp-ports)" : "ws (--ws-ports)") << "\n";
    return false;
  }
  return true;
}

std::vector<std::size_t> CrossGatewayLayout(const Options& o, std::size_t pairs) {
  const std::size_t n = GatewayCount(o);
  if (n < 2) return {};
  std::vector<std::size_t> gw(2 * pairs);
  for (std::size_t i = 0; i < pairs; ++i) {
    gw[i] = i % n;                  // sender i
    gw[pairs + i] = (i + 1) % n;    // its receiver
  }
  return gw;
}

}  // namespace parley::bench
