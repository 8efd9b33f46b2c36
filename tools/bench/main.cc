// parley-bench: the load generator (bench/README.md). One scenario per run,
// chosen by --scenario; each prints a one-line summary and writes JSON.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>

#include "tools/bench/bench.h"

int main(int argc, char** argv) {
  using namespace parley::bench;
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  CLI::App app{"parley-bench: load generator for parleyd"};
  std::string transport = "tcp";
  app.add_option("--scenario", o.scenario,
                 "connect | chat | mixed (chat with 10% reactions, 1% images) | fanout | sync | "
                 "serial | mqtt-chat | xmpp-chat | xmpp-connect")
      ->required()
      ->check(CLI::IsMember({"connect", "chat", "mixed", "fanout", "sync", "serial", "mqtt-chat",
                             "xmpp-chat", "xmpp-connect"}));
  app.add_option("--events-pct", o.events_pct,
                 "chat: percent of messages that are reactions (mixed: 10)")
      ->check(CLI::Range(0, 100));
  app.add_option("--images-pct", o.images_pct,
                 "chat: percent of messages that are images (mixed: 1)")
      ->check(CLI::Range(0, 100));
  app.add_option("--transport", transport, "tcp | ws")->check(CLI::IsMember({"tcp", "ws"}));
  bool tls = false;
  app.add_flag("--tls", tls,
               "TLS on every connection: tcp over TLS, wss://, https (the server runs with "
               "--tls-cert)");
  app.add_option("--ca", o.ca_file, "with --tls: verify the server's certificate against this CA")
      ->check(CLI::ExistingFile);
  app.add_option("--host", o.host, "server address");
  app.add_option("--tcp-port", o.tcp_port, "parleyd binary TCP port");
  app.add_option("--ws-port", o.ws_port, "parleyd WebSocket + HTTP port");
  app.add_option("--tcp-ports", o.tcp_ports, "chat: one TCP port per gateway (cross-gateway pairs)")
      ->delimiter(',');
  app.add_option("--ws-ports", o.ws_ports,
                 "chat: one WS/HTTP port per gateway (cross-gateway pairs)")
      ->delimiter(',');
  app.add_option("--jwt-secret", o.jwt_secret,
                 "parleyd's --jwt-secret (tokens are minted with it)");
  app.add_option("--threads", o.threads, "load-generator I/O threads");
  app.add_option("--sources", o.sources, "spread connections over 127.0.0.1..N");
  app.add_option("--user-prefix", o.user_prefix, "user id prefix (default: unique per run)");
  app.add_option("--json", o.json_out, "write results here");
  app.add_option("--connections", o.connections, "connect, xmpp-connect: idle connections");
  app.add_option("--hold", o.hold_s,
                 "connect, xmpp-connect: seconds to hold before measuring server RSS");
  app.add_option("--max-per-process", o.max_per_process, "connect: connections per process");
  app.add_option(
      "--server-pid", o.server_pid,
      "the server's pid: connect and xmpp-connect report its RSS; chat, fanout, mqtt-chat and "
      "xmpp-chat its CPU per message");
  app.add_option("--pairs", o.pairs, "chat, mqtt-chat, xmpp-chat: sender/receiver pairs");
  app.add_option("--duration", o.duration_s, "measured seconds");
  app.add_option("--warmup", o.warmup_s, "seconds before measuring");
  app.add_option("--rate", o.rate, "open loop at this total msg/s (0: closed loop)");
  app.add_option("--window", o.window, "closed loop: messages in flight per sender");
  app.add_option("--size", o.size, "content bytes per message");
  app.add_option("--members", o.members, "fanout: group members, all online");
  app.add_option("--senders", o.senders, "fanout: members that send");
  app.add_option("--messages", o.messages, "sync: messages to catch up; serial: messages");
  app.add_option("--conversations", o.conversations, "sync: conversations they span");
  app.add_option("--sync-limit", o.sync_limit, "sync: page size");
  app.add_option("--mqtt-port", o.mqtt_port, "mqtt-chat: broker port");
  app.add_option("--xmpp-port", o.xmpp_port, "xmpp-chat, xmpp-connect: the server's c2s port");
  app.add_option("--xmpp-domain", o.xmpp_domain,
                 "xmpp-chat, xmpp-connect: the server's virtual host (JIDs are user@domain)");
  CLI11_PARSE(app, argc, argv);
  o.transport = transport == "ws" ? Transport::kWs : Transport::kTcp;
  o.security = tls ? Security::kTls : Security::kPlain;
  if (!ApplyGatewayPorts(o)) return 2;
  if (o.user_prefix.empty()) {
    o.user_prefix =
        "b" + std::to_string(::getpid()) + "t" + std::to_string(std::time(nullptr) % 1000000) + "-";
  }
  const bool peer = o.scenario == "mqtt-chat" || o.scenario.rfind("xmpp-", 0) == 0;
  if (o.jwt_secret.empty() && !peer) {
    std::cerr << "parley-bench: --jwt-secret is required (the server's secret)\n";
    return 2;
  }
  if (o.scenario == "connect") return RunConnect(o);
  if (o.scenario == "chat") return RunChat(o);
  if (o.scenario == "mixed") {
    if (app.count("--events-pct") == 0) o.events_pct = 10;
    if (app.count("--images-pct") == 0) o.images_pct = 1;
    return RunChat(o);
  }
  if (o.scenario == "fanout") return RunFanout(o);
  if (o.scenario == "sync") return RunSync(o);
  if (o.scenario == "serial") return RunSerial(o);
  if (o.scenario == "xmpp-chat") return RunXmppChat(o);
  if (o.scenario == "xmpp-connect") return RunXmppConnect(o);
  return RunMqttChat(o);
}
