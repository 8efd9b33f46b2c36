#pragma once
// parley-bench: shared pieces of the scenarios (options, I/O threads, users,
// a fleet of logged-in connections, per-thread statistics, results).

#include <sys/types.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/conn.h"
#include "tools/bench/histogram.h"

namespace parley::bench {

namespace asio = boost::asio;

struct Options {
  std::string scenario;
  Transport transport = Transport::kTcp;
  Security security = Security::kPlain;  // --tls: every connection, HTTP too
  std::string ca_file;                   // --ca
  std::string host = "127.0.0.1";
  std::uint16_t tcp_port = 8090;
  std::uint16_t ws_port = 8080;                    // WebSocket and the HTTP API (registration)
  std::vector<std::uint16_t> tcp_ports, ws_ports;  // chat: one per gateway (gateways.cc)
  std::string jwt_secret;
  int threads = 1;          // load-generator I/O threads
  int sources = 8;          // connections spread over 127.0.0.1 .. 127.0.0.N
  std::string user_prefix;  // default: unique per run
  std::string json_out;
  // connect
  int connections = 1000;
  double hold_s = 5;
  int max_per_process = 15000;  // stays under the 20,000 open-file cap
  pid_t server_pid = 0;         // for server RSS
  // chat, fanout
  int pairs = 100;
  double duration_s = 10;
  double warmup_s = 2;
  double rate = 0;  // open loop: total msg/s; 0: closed loop
  int window = 1;   // closed loop: messages in flight per sender
  int size = 200;   // content bytes
  int members = 100;
  int senders = 1;
  // chat (--scenario mixed sets 10 and 1): of every 100 messages a sender
  // sends, this many are reactions to its last acked text and this many
  // image messages citing an image it uploaded before the window.
  int events_pct = 0;
  int images_pct = 0;
  // sync, serial
  int messages = 10000;
  int conversations = 10;
  int sync_limit = 500;
  // mqtt-chat (the Mosquitto peer)
  std::uint16_t mqtt_port = 1883;
  // xmpp-chat, xmpp-connect (the ejabberd and Prosody peers)
  std::uint16_t xmpp_port = 5222;
  std::string xmpp_domain = "localhost";
};

// "tcp", "tls" (TCP over TLS) or "ws": for summaries and the JSON.
const char* TransportName(const Options& o);

inline std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// N io_contexts, one thread each, running until Stop() (or destruction).
class Loops {
 public:
  explicit Loops(int n);
  ~Loops();
  std::size_t size() const { return ios_.size(); }
  asio::io_context& at(std::size_t i) { return *ios_[i % ios_.size()]; }
  template <class F>
  void Post(std::size_t i, F f) {
    asio::post(at(i), std::move(f));
  }
  // Runs f on every loop and waits for all to finish.
  void RunOnAll(const std::function<void(std::size_t)>& f);
  void Stop();

 private:
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<std::thread> threads_;
};

// The handshakes of many connections, item i on loop i mod loops.size(), at
// most `max_in_flight` per loop at a time: each loop starts its items in
// order and the next one as one ends. Fleet and XmppFleet share it.
//
// Thread contract: Add before Run, on the calling thread; `start` and Ended
// run on the item's loop.
class HandshakeQueue {
 public:
  using Start = std::function<void(std::size_t item, std::size_t loop)>;
  explicit HandshakeQueue(Loops& loops) : loops_(loops), queues_(loops.size()) {}

  void Add(std::size_t item) { queues_[item % loops_.size()].todo.push_back(item); }
  // Starts every item with `start`, and waits until each has Ended or
  // `timeout_s` passed. Returns the seconds it took.
  double Run(int max_in_flight, double timeout_s, Start start);
  // The handshake of an item on `loop` ended, however: the next one starts.
  void Ended(std::size_t loop);

 private:
  struct LoopQueue {
    std::vector<std::size_t> todo;
    std::size_t next = 0;
    int in_flight = 0;
  };
  void StartMore(std::size_t loop);

  Loops& loops_;
  std::vector<LoopQueue> queues_;  // each touched on its loop only
  Start start_;
  int max_in_flight_ = 1;
  std::size_t total_ = 0;
  std::atomic<std::size_t> ended_{0};
};

// Per-I/O-thread statistics: only that thread touches them.
struct Stats {
  Histogram ack;
  Histogram delivery;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t delivered = 0;
  std::uint64_t errors = 0;
};

// The per-thread statistics added up.
Stats MergeStats(const std::vector<Stats>& per_thread);
// The JSON every throughput scenario reports: counts, rates over `seconds`
// and both latency histograms.
boost::json::object Throughput(const Stats& s, double seconds);

// Users: names, tokens minted with the server's JWT secret, registration.
std::string UserName(const Options& o, std::string_view role, std::size_t i);
std::string MintToken(const std::string& secret, const std::string& user);
// Registers users over POST /api/register (409 counts as done). Returns the
// number that failed.
std::size_t RegisterUsers(const Options& o, const std::vector<std::string>& users);

// Connections, each logged in as one user, spread round-robin over the loops
// and the source addresses.
class Fleet {
 public:
  using Handler = std::function<void(std::size_t conn, std::uint16_t cmd, std::string_view body)>;

  // `gateways` (optional): conn i connects to GatewayPort(o, gateways[i]).
  Fleet(const Options& o, Loops& loops, std::vector<std::string> users,
        std::vector<std::size_t> gateways = {});
  ~Fleet();

  // Connects and logs in every user, at most `max_in_flight` handshakes per
  // loop at a time. Returns the seconds it took; failures in failed().
  double ConnectAll(int max_in_flight = 128, double timeout_s = 120);
  std::size_t logged_in() const { return logged_in_.load(); }
  std::size_t failed() const { return failed_.load(); }
  std::size_t closed() const { return closed_.load(); }

  // Packets after login go to `h` (set before ConnectAll or from the loops).
  void SetHandler(Handler h) { handler_ = std::move(h); }
  std::size_t size() const { return conns_.size(); }
  std::size_t LoopOf(std::size_t i) const { return i % loops_.size(); }
  Conn& conn(std::size_t i) { return *conns_[i]; }
  const std::string& user(std::size_t i) const { return users_[i]; }

 private:
  void StartLogin(std::size_t i, std::size_t loop);
  void Done(std::size_t loop, bool ok);

  const Options& o_;
  Loops& loops_;
  std::vector<std::string> users_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<char> logged_;  // per conn, touched on its loop only
  HandshakeQueue handshakes_;
  Handler handler_;
  std::atomic<std::size_t> logged_in_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<std::size_t> closed_{0};
};

// What a CHAT is besides its text: a text (msg_type 1), a reaction
// (103) to `target_seq`, or an image (2) citing `media_id`.
struct ChatKind {
  enum class Type { kText, kReaction, kImage };
  Type type = Type::kText;
  std::int64_t target_seq = 0;
  bool remove = false;
  std::string_view media_id;
};
// A CHAT body of `size` content bytes whose msg_id carries the send time
// ("<counter>.<t_ns>", the counter prefixed 'e' for a reaction, 'i' for an
// image).
std::string ChatBody(std::uint64_t counter, std::int64_t t_ns, std::string_view to_field,
                     std::string_view to_value, const std::string& content,
                     const ChatKind& kind = {});
// Uploads a small PNG as `user` (POST /api/media); its media_id, or "".
std::string UploadImage(const Options& o, const std::string& user);
// The send time carried by a bench msg_id ("<counter>.<t_ns>"), or -1.
std::int64_t SendTimeOf(std::string_view body);

// A counter of the server's /metrics (e.g. parley_messages_stored_total) on
// the first gateway; -1 when unavailable.
std::int64_t ServerCounter(const Options& o, std::string_view name);

// Server memory: VmRSS of /proc/<pid>/status in KiB (0 when unreadable).
std::int64_t RssKiB(pid_t pid);

// Writes {"scenario", "options", "results"} to o.json_out (when set) and
// prints `summary` on stdout.
void Emit(const Options& o, const boost::json::object& results, const std::string& summary);
boost::json::object OptionsJson(const Options& o);

void SleepS(double s);

// Several gateways (gateways.cc): ports, validation of the flags, and the
// cross-gateway chat layout (sender i on gateway i mod n, receiver on i+1).
std::size_t GatewayCount(const Options& o);
std::uint16_t GatewayPort(const Options& o, std::size_t gateway);
bool ApplyGatewayPorts(Options& o);
std::vector<std::size_t> CrossGatewayLayout(const Options& o, std::size_t pairs);

int RunConnect(const Options& o);
int RunChat(const Options& o);
int RunFanout(const Options& o);
int RunSync(const Options& o);
int RunSerial(const Options& o);
int RunMqttChat(const Options& o);
int RunXmppChat(const Options& o);
int RunXmppConnect(const Options& o);

}  // namespace parley::bench
