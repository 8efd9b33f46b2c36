// Cluster mode keeps its promises through faults (issue 11). Three gateways
// share one Redis and one MariaDB; in each phase ten raw clients of their own
// (TCP and WebSocket in turn) send without pause to 1:1 partners, a group of 5
// (inboxed) and a group of 10 (above --fanout-threshold 6: read diffusion),
// while in turn nothing happens, a gateway is killed -9, Redis is killed -9,
// MariaDB is killed -9, a gateway gets SIGTERM. A client whose connection
// breaks reconnects to another gateway and retries its CHAT with the same
// msg_id; in the gateway kill every other client whose CHAT was in flight on
// the dead gateway abandons it instead, so only there may a seq stay empty.
//
// Then every conversation is read back, and a new device of every user
// SYNCs from 0: each acknowledged message is there once, at the seq of its
// ack; seqs 1..max are each a message or a hole marker (docs/protocol.md
// "Holes (cluster mode)"), and markers appear only for abandoned messages that were not
// stored; a retry after its gateway died is acknowledged within 5 s of the
// reconnect; no first SYNC is expired; every gateway logged each outage.
// Cluster only.
//
// PARLEY_FAULT_SEED fixes the random choices (conversations, the victims,
// who abandons); the test prints its seed and one FAULT line per phase.

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr int kClients = 10;
// The group of 5 is at most the threshold (inbox), the group of 10 above it.
constexpr int kSmallGroup = 5;
const std::string kFanoutThreshold = "6";
// Issue 11: a retry after the client's gateway died is acknowledged within 5 s.
constexpr auto kRetryBound = 5s;
// No answer waits longer on a backend that is away (docs/design.md "Backend
// outages"): one that does not come in 10 s is a hang.
constexpr auto kAnswerTimeout = 10s;
// What a client waits before retrying a 503, doubling up to the maximum.
constexpr auto kFirstPause = 10ms;
constexpr auto kMaxPause = 250ms;
// One message is given up (a failure) when not acknowledged within this.
constexpr auto kGiveUp = 60s;
const std::vector<std::string> kGatewayIds = {"gw1", "gw2", "gw3"};

enum class Fault { kCalm, kGatewayKill9, kRedisKill9, kMysqlKill9, kGatewaySigterm };

const char* Name(Fault fault) {
  switch (fault) {
    case Fault::kCalm:
      return "calm";
    case Fault::kGatewayKill9:
      return "gateway_kill9";
    case Fault::kRedisKill9:
      return "redis_kill9";
    case Fault::kMysqlKill9:
      return "mysql_kill9";
    case Fault::kGatewaySigterm:
      return "gateway_sigterm";
  }
  return "unknown";
}

std::int64_t Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

bool IsHole(const json::object& entry) {
  const json::value* hole = entry.if_contains("hole");
  return hole != nullptr && hole->is_bool() && hole->get_bool();
}

long long Ms(Clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<milliseconds>(d).count());
}

std::uint64_t SeedFromEnvironment() {
  const char* text = std::getenv("PARLEY_FAULT_SEED");
  if (text != nullptr && *text != '\0') return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

// The gateways a client may connect to: the test takes one out before it
// kills it, and puts it back (with its new ports) once it runs again.
class GatewayTable {
 public:
  struct Entry {
    std::string id;
    std::uint16_t tcp_port = 0;
    std::uint16_t ws_port = 0;
  };

  void Add(const std::string& id, const ServerProcess& server) {
    std::lock_guard lock(mutex_);
    live_[id] = Entry{id, server.tcp_port(), server.ws_port()};
  }
  void Remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    live_.erase(id);
  }
  std::vector<Entry> Live() {
    std::lock_guard lock(mutex_);
    std::vector<Entry> all;
    for (const auto& [id, entry] : live_) all.push_back(entry);
    return all;
  }
  // The live gateway number `index` (modulo their count), skipping `avoid`
  // while another one is live.
  std::optional<Entry> Pick(std::size_t index, const std::string& avoid) {
    std::vector<Entry> all = Live();
    if (all.size() > 1) std::erase_if(all, [&](const Entry& e) { return e.id == avoid; });
    if (all.empty()) return std::nullopt;
    return all[index % all.size()];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Entry> live_;
};

// One logged-in client connection: TCP frames or WebSocket text frames, the
// same JSON on both (docs/protocol.md).
class Connection {
 public:
  // nullptr when the gateway does not let it in (e.g. it is going away).
  static std::unique_ptr<Connection> Open(const GatewayTable::Entry& gateway, bool websocket,
                                          const std::string& token) {
    std::unique_ptr<Connection> c(new Connection());
    if (websocket) {
      c->ws_ = std::make_unique<RawWsClient>(gateway.ws_port, "/ws?token=" + token);
      if (!c->ws_->upgraded()) return nullptr;
    } else {
      c->tcp_ = std::make_unique<RawTcpClient>(gateway.tcp_port);
      if (!c->tcp_->connected() || !c->tcp_->Login(token)) return nullptr;
    }
    return c;
  }

  // Sends a request and waits for its answer (matched by req_id: an answer
  // that came too late for an earlier call is skipped, and so are pushes);
  // nullopt when the connection breaks or nothing comes within `timeout`.
  std::optional<json::object> Call(int cmd, json::object body,
                                   Clock::duration timeout = kAnswerTimeout) {
    const std::int64_t req_id = next_req_id_++;
    body["cmd"] = cmd;
    body["req_id"] = req_id;
    if (!Send(cmd, json::serialize(body))) return std::nullopt;
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      std::optional<json::object> packet = Receive(deadline);
      if (!packet || Int(*packet, "req_id") == req_id) return packet;
    }
  }

 private:
  Connection() = default;

  bool Send(int cmd, const std::string& text) {
    if (tcp_) return tcp_->SendFrame(static_cast<std::uint16_t>(cmd), text);
    return ws_->Send(1, text);
  }

  std::optional<json::object> Receive(Clock::time_point deadline) {
    const auto left = std::max(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()),
                               milliseconds(1));
    if (tcp_) return tcp_->Read(left);
    // The server sends text frames only, until its close frame.
    RawWsClient::ServerFrame frame = ws_->Read(left);
    if (frame.opcode != 1) return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(frame.payload, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
  }

  std::unique_ptr<RawTcpClient> tcp_;
  std::unique_ptr<RawWsClient> ws_;
  std::int64_t next_req_id_ = 1;
};

struct Conversation {
  std::string id;
  std::vector<int> members;  // client indexes
  bool inboxed = true;       // 1:1 and the small group; the big group is read diffusion
};

struct Ack {
  std::string msg_id;
  std::string conversation;
  std::int64_t seq = 0;
  Clock::time_point sent;  // the attempt that was acknowledged
  Clock::time_point acked;
};

// What one client saw in a phase.
struct ClientLog {
  std::map<std::string, std::string> sent;  // msg_id -> conversation, every message
  std::vector<Ack> acks;
  std::vector<std::string> abandoned;        // msg_ids given up with their gateway
  int unavailable = 0;                       // 503 answers
  int in_flight = 0;                         // CHATs whose connection broke before the answer
  std::vector<Clock::duration> retry_waits;  // reconnect -> ack of the CHAT retried there
  std::vector<std::string> failures;         // what a correct cluster never does
};

// One phase: its own users and groups, so that what is read back is its own.
struct Phase {
  Fault fault = Fault::kCalm;
  std::string victim;              // the gateway killed or terminated
  std::vector<std::string> users;  // client i is users[i]
  std::vector<std::string> tokens;
  std::vector<Conversation> conversations;
  std::vector<ClientLog> logs;
  std::atomic<bool> stopping{false};
  // Breaks on the victim so far, and which of them abandon (odd or even).
  std::atomic<int> victim_breaks{0};
  int abandon_parity = 0;
  Clock::time_point start, fault_at, stop;
  Clock::duration down{};
};

// One client of a phase: sends to its conversations, one CHAT at a time and
// without pause, until the phase stops; then finishes the message in hand.
class Sender {
 public:
  Sender(Phase& phase, int index, GatewayTable& gateways, std::uint64_t seed)
      : phase_(phase), index_(index), gateways_(gateways), log_(phase.logs[index]), rng_(seed) {
    for (const Conversation& c : phase.conversations) {
      if (std::ranges::find(c.members, index) != c.members.end()) mine_.push_back(&c);
    }
  }

  void Run() {
    std::uniform_int_distribution<std::size_t> pick(0, mine_.size() - 1);
    for (int n = 0; !phase_.stopping; ++n) {
      const Conversation& conversation = *mine_[pick(rng_)];
      const std::string msg_id = phase_.users[index_] + "-" + std::to_string(n);
      log_.sent[msg_id] = conversation.id;
      Deliver(msg_id, conversation);
    }
  }

 private:
  // Until acknowledged: reconnects when the connection breaks, retries 503s
  // after a growing pause, always with the same msg_id (docs/protocol.md
  // "Error codes"), unless it abandons the message with its gateway.
  void Deliver(const std::string& msg_id, const Conversation& conversation) {
    const json::object chat{{"msg_id", msg_id},
                            {"conversation_id", conversation.id},
                            {"payload", {{"content", "fault test " + msg_id}, {"msg_type", 1}}}};
    const Clock::time_point give_up = Clock::now() + kGiveUp;
    auto pause = kFirstPause;
    bool broke = false;  // a connection broke with this CHAT in flight
    while (Clock::now() < give_up) {
      if (!connection_ && !Connect()) {
        std::this_thread::sleep_for(50ms);
        continue;
      }
      const Clock::time_point sent = Clock::now();
      std::optional<json::object> answer = connection_->Call(2, chat);
      if (!answer) {
        if (Clock::now() - sent >= kAnswerTimeout) {
          log_.failures.push_back(msg_id + ": no answer within 10 s from " + gateway_);
        }
        connection_.reset();
        ++log_.in_flight;
        if (Abandons()) {
          log_.abandoned.push_back(msg_id);
          return;
        }
        broke = true;
        continue;
      }
      const std::int64_t code = Int(*answer, "code");
      if (code == 503) {
        ++log_.unavailable;
        std::this_thread::sleep_for(pause);
        pause = std::min(2 * pause, std::chrono::duration_cast<milliseconds>(kMaxPause));
        continue;
      }
      if (code != 0) {
        log_.failures.push_back(msg_id + ": " + json::serialize(*answer));
        return;
      }
      const Clock::time_point acked = Clock::now();
      log_.acks.push_back(Ack{msg_id, conversation.id, Int(*answer, "seq"), sent, acked});
      if (broke) log_.retry_waits.push_back(acked - connected_at_);
      return;
    }
    log_.failures.push_back(msg_id + ": not acknowledged within 60 s");
  }

  // To a live gateway, another one than before when there is one.
  bool Connect() {
    std::optional<GatewayTable::Entry> gateway =
        gateways_.Pick(static_cast<std::size_t>(index_ + connects_++), gateway_);
    if (!gateway) return false;
    connection_ = Connection::Open(*gateway, /*websocket=*/index_ % 2 == 1, phase_.tokens[index_]);
    if (!connection_) return false;
    gateway_ = gateway->id;
    connected_at_ = Clock::now();
    return true;
  }

  // In the gateway kill, every other CHAT that was in flight on the victim
  // is given up: its seq, if the victim reserved one, may stay empty.
  bool Abandons() {
    if (phase_.fault != Fault::kGatewayKill9 || gateway_ != phase_.victim) return false;
    return phase_.victim_breaks.fetch_add(1) % 2 == phase_.abandon_parity;
  }

  Phase& phase_;
  const int index_;
  GatewayTable& gateways_;
  ClientLog& log_;
  std::mt19937_64 rng_;
  std::vector<const Conversation*> mine_;
  std::unique_ptr<Connection> connection_;
  std::string gateway_;  // the one connection_ is (or was last) on
  int connects_ = 0;
  Clock::time_point connected_at_;
};

using Timelines = std::map<std::string, std::vector<json::object>>;

// What a new device's SYNC from inbox_seq 0 returned, all pages.
struct SyncView {
  bool expired = false;
  std::set<std::pair<std::string, std::int64_t>> messages;  // (conversation, seq)
  std::map<std::string, std::int64_t> max_seq;              // the listed groups
};

class ClusterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnvironment();
    rng_.seed(seed_);
    std::printf("PARLEY_FAULT_SEED=%llu\n", static_cast<unsigned long long>(seed_));
    for (const std::string& id : kGatewayIds) {
      StartGateway(id);
      ASSERT_TRUE(gateways_[id]) << id;
    }
  }

  void StartGateway(const std::string& id) {
    gateways_[id] =
        ServerProcess::StartGateway(dir_.path(), id, {"--fanout-threshold", kFanoutThreshold});
    if (gateways_[id]) table_.Add(id, *gateways_[id]);
  }

  ClusterDeps& Deps() { return DepsFor(dir_.path()); }

  std::string RandomGateway() {
    return kGatewayIds[std::uniform_int_distribution<std::size_t>(0, kGatewayIds.size() - 1)(rng_)];
  }

  // Users, tokens and conversations of a new phase (its groups are created
  // by RunPhase, when the cluster is up).
  std::unique_ptr<Phase> MakePhase(Fault fault) {
    auto phase = std::make_unique<Phase>();
    phase->fault = fault;
    phase->victim = RandomGateway();
    phase->abandon_parity = static_cast<int>(rng_() % 2);
    phase->logs.resize(kClients);
    const std::uint16_t port = table_.Live().front().ws_port;
    for (int i = 0; i < kClients; ++i) {
      phase->users.push_back(std::string(Name(fault)) + "_u" + std::to_string(i));
      phase->tokens.push_back(RegisterUser(port, phase->users.back()));
      EXPECT_FALSE(phase->tokens.back().empty()) << phase->users.back();
    }
    for (int i = 0; i + 1 < kClients; i += 2) {
      const auto [a, b] = std::minmax(phase->users[i], phase->users[i + 1]);
      phase->conversations.push_back({"private_" + a + ":" + b, {i, i + 1}, true});
    }
    // The big group comes first: a fresh cluster whose first message is not
    // inboxed must still give a new device a valid first SYNC (issue 11, 3).
    phase->conversations.push_back({GroupConversation(*phase, "big"), Range(kClients), false});
    phase->conversations.push_back({GroupConversation(*phase, "small"), Range(kSmallGroup), true});
    return phase;
  }

  static std::string GroupConversation(const Phase& phase, const std::string& size) {
    return "group_" + std::string(Name(phase.fault)) + "_" + size;
  }
  static std::vector<int> Range(int n) {
    std::vector<int> all;
    for (int i = 0; i < n; ++i) all.push_back(i);
    return all;
  }

  // Client 0 creates the phase's two groups, big first.
  void CreateGroups(const Phase& phase) {
    auto owner = Connection::Open(table_.Live().front(), false, phase.tokens[0]);
    ASSERT_TRUE(owner);
    for (const Conversation& c : phase.conversations) {
      if (!c.id.starts_with("group_")) continue;
      json::array members;
      for (int i : c.members) {
        if (i != 0) members.emplace_back(phase.users[i]);
      }
      const std::string group_id = c.id.substr(std::string_view("group_").size());
      CreateGroup(*owner, {{"op", "create"},
                           {"name", group_id},
                           {"group_id", group_id},
                           {"members", std::move(members)}});
    }
  }

  // Retries a 503 (right after MariaDB came back a pooled connection may
  // fail once); a retry may then find the group the first attempt made.
  void CreateGroup(Connection& owner, const json::object& request) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::optional<json::object> answer = owner.Call(7, request);
      ASSERT_TRUE(answer);
      const std::int64_t code = Int(*answer, "code");
      if (code == 0 || (code == 409 && attempt > 0)) return;
      ASSERT_EQ(code, 503) << json::serialize(*answer);
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "group not created: " << json::serialize(request);
  }

  // Until every live gateway's /healthz answers `status`.
  bool WaitForHealthz(int status, std::chrono::seconds limit) {
    const Clock::time_point deadline = Clock::now() + limit;
    for (;;) {
      bool all = true;
      for (const GatewayTable::Entry& gw : table_.Live()) {
        all = all && HttpGet(gw.ws_port, "/healthz").status == status;
      }
      if (all) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  // Clients send while the phase's fault happens; returns when they are done.
  void RunPhase(Phase& phase) {
    CreateGroups(phase);
    std::vector<std::thread> clients;
    phase.start = Clock::now();
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back(
          [&phase, i, this, seed = rng_()] { Sender(phase, i, table_, seed).Run(); });
    }
    Inject(phase);
    phase.stop = Clock::now();
    phase.stopping = true;
    for (std::thread& t : clients) t.join();
  }

  // 1 s of load, the fault (and the recovery), 1.5 s of load after it.
  void Inject(Phase& phase) {
    std::this_thread::sleep_for(1s);  // load before the fault
    phase.fault_at = Clock::now();
    switch (phase.fault) {
      case Fault::kCalm:
        break;
      case Fault::kGatewayKill9:
        KillGateway(phase);
        break;
      case Fault::kRedisKill9:
        Outage(phase, Deps().redis);
        break;
      case Fault::kMysqlKill9:
        Outage(phase, Deps().mysql);
        break;
      case Fault::kGatewaySigterm:
        TerminateGateway(phase);
        break;
    }
    std::this_thread::sleep_for(1500ms);  // load after it
  }

  // Kill -9, and run the gateway again (same id) after 1.5 s of the others.
  void KillGateway(Phase& phase) {
    table_.Remove(phase.victim);
    gateways_[phase.victim]->Kill9();
    std::this_thread::sleep_for(1500ms);
    StartGateway(phase.victim);
    ASSERT_TRUE(gateways_[phase.victim]);
    phase.down = Clock::now() - phase.fault_at;
  }

  // The dependency stays down until every gateway has seen it (so each logs
  // the outage) and a second more (clients retry through it), then comes
  // back on the same port, and every gateway sees it.
  template <class Dependency>  // RedisServer or MysqlServer
  void Outage(Phase& phase, Dependency& dependency) {
    dependency.Kill9();
    EXPECT_TRUE(WaitForHealthz(503, 10s)) << Name(phase.fault);
    std::this_thread::sleep_for(1s);
    dependency.Restart();
    phase.down = Clock::now() - phase.fault_at;
    EXPECT_TRUE(WaitForHealthz(200, 15s)) << Name(phase.fault);
  }

  // SIGTERM drains the gateway (docs/design.md "Shutdown"): it exits 0.
  void TerminateGateway(Phase& phase) {
    table_.Remove(phase.victim);
    const int status = gateways_[phase.victim]->Terminate(20s);
    phase.down = Clock::now() - phase.fault_at;
    EXPECT_EQ(status, 0) << gateways_[phase.victim]->Log();
  }

  // A new device (TCP, on a live gateway) logged in with `token`.
  std::unique_ptr<Connection> NewDevice(const std::string& token) {
    std::optional<GatewayTable::Entry> gateway = table_.Pick(devices_++, "");
    std::unique_ptr<Connection> device;
    if (gateway) device = Connection::Open(*gateway, false, token);
    EXPECT_TRUE(device) << "no gateway lets a new device in";
    return device;
  }

  // Calls until the answer is not 503 (a restarted MariaDB's stale pooled
  // connections fail once each).
  static json::object CallPatiently(Connection& c, int cmd, const json::object& body) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::optional<json::object> answer = c.Call(cmd, body);
      if (!answer) break;
      if (Int(*answer, "code") != 503) return std::move(*answer);
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "no answer to " << json::serialize(body);
    return {};
  }

  // The whole timeline from seq 1, PULL page by page. A page that stops
  // before a missing seq that may still be committed (empty, with has_more)
  // is asked again until the seq is old enough to be a hole.
  std::vector<json::object> ReadTimeline(Connection& reader, const std::string& conversation) {
    std::vector<json::object> all;
    std::int64_t cursor = 0;
    const Clock::time_point deadline = Clock::now() + 40s;
    while (Clock::now() < deadline) {
      json::object page = CallPatiently(
          reader, 3, {{"conversation_id", conversation}, {"cursor_seq", cursor}, {"limit", 200}});
      if (Int(page, "code") != 0) break;
      const json::array& entries = page.at("payload").as_array();
      for (const json::value& e : entries) all.push_back(e.as_object());
      cursor = std::max(cursor, Int(page, "next_cursor_seq"));
      if (!page.at("has_more").as_bool()) return all;
      if (entries.empty()) std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << conversation << " not readable to its end; at seq " << cursor;
    return all;
  }

  // SYNC from 0 to the last page, as a new device does.
  SyncView FirstSync(Connection& device) {
    SyncView view;
    std::int64_t cursor = 0;
    const Clock::time_point deadline = Clock::now() + 40s;
    while (Clock::now() < deadline) {
      json::object page = CallPatiently(device, 6, {{"inbox_seq", cursor}, {"limit", 500}});
      if (Int(page, "code") != 0) break;
      view.expired = view.expired || page.at("expired").as_bool();
      const json::array& entries = page.at("payload").as_array();
      for (const json::value& e : entries) {
        const json::object& m = e.at("message").as_object();
        if (!IsHole(m)) view.messages.emplace(m.at("conversation_id").as_string(), Int(m, "seq"));
      }
      cursor = Int(page, "next_inbox_seq");
      if (!page.at("has_more").as_bool()) {
        for (const json::value& c : page.at("conversations").as_array()) {
          view.max_seq[std::string(c.at("conversation_id").as_string())] =
              Int(c.as_object(), "max_seq");
        }
        return view;
      }
      if (entries.empty()) std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "SYNC did not reach its last page";
    return view;
  }

  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  TempDir dir_;
  std::map<std::string, std::unique_ptr<ServerProcess>> gateways_;
  GatewayTable table_;
  std::size_t devices_ = 0;
};

// Where each stored message of a phase is, and how many markers it has.
struct Stored {
  std::map<std::string, std::pair<std::string, std::int64_t>> at;  // msg_id -> (conv, seq)
  int markers = 0;
};

// Seqs 1..max are each a message or a marker; each message once, and sent by
// a client of the phase in that conversation (or the server's, for groups).
Stored CheckTimelines(const Phase& phase, const Timelines& timelines) {
  std::map<std::string, std::string> sent;
  for (const ClientLog& log : phase.logs) sent.insert(log.sent.begin(), log.sent.end());
  Stored stored;
  for (const Conversation& c : phase.conversations) {
    bool dense = true;  // so far; the first break is reported, not all after it
    std::int64_t expected = 1;
    for (const json::object& e : timelines.at(c.id)) {
      if (dense && Int(e, "seq") != expected) {
        ADD_FAILURE() << c.id << ": seq " << expected << " is neither a message nor a marker; "
                      << "then comes " << json::serialize(e);
        dense = false;
      }
      ++expected;
      if (IsHole(e)) {
        ++stored.markers;
        continue;
      }
      if (Int(e, "msg_type") == 100) continue;  // a group's system message
      const std::string msg_id(e.at("msg_id").as_string());
      EXPECT_TRUE(stored.at.emplace(msg_id, std::pair{c.id, Int(e, "seq")}).second)
          << msg_id << " stored twice";
      auto it = sent.find(msg_id);
      EXPECT_TRUE(it != sent.end() && it->second == c.id) << "unknown message " << msg_id;
    }
  }
  return stored;
}

// Every acknowledged message is where its ack said; markers only for the
// abandoned messages that were not stored; retries acknowledged in time.
void CheckPhase(const Phase& phase, const Stored& stored) {
  std::size_t abandoned_stored = 0;
  std::size_t abandoned = 0;
  for (const ClientLog& log : phase.logs) {
    for (const std::string& failure : log.failures) {
      ADD_FAILURE() << Name(phase.fault) << ": " << failure;
    }
    for (const Ack& ack : log.acks) {
      auto it = stored.at.find(ack.msg_id);
      if (it == stored.at.end()) {
        ADD_FAILURE() << "acknowledged, not stored: " << ack.msg_id;
        continue;
      }
      EXPECT_EQ(it->second, std::pair(ack.conversation, ack.seq)) << ack.msg_id;
    }
    for (const std::string& msg_id : log.abandoned) abandoned_stored += stored.at.count(msg_id);
    abandoned += log.abandoned.size();
    for (Clock::duration wait : log.retry_waits) {
      EXPECT_LE(wait, kRetryBound) << Name(phase.fault) << ": a retry acknowledged " << Ms(wait)
                                   << " ms after its reconnect";
    }
  }
  const std::size_t may_be_empty =
      phase.fault == Fault::kGatewayKill9 ? abandoned - abandoned_stored : 0;
  EXPECT_LE(static_cast<std::size_t>(stored.markers), may_be_empty)
      << Name(phase.fault) << ": hole markers where no abandoned message explains them";
}

// A new device's first SYNC is not expired, holds every message of the
// user's inboxed conversations and lists its big group up to its last seq.
void CheckSync(const Phase& phase, int user, const SyncView& view, const Timelines& timelines) {
  const std::string& name = phase.users[user];
  EXPECT_FALSE(view.expired) << name << ": a new device's first SYNC is expired";
  for (const Conversation& c : phase.conversations) {
    if (std::ranges::find(c.members, user) == c.members.end()) continue;
    const std::vector<json::object>& entries = timelines.at(c.id);
    if (!c.inboxed) {
      const std::int64_t last = entries.empty() ? 0 : Int(entries.back(), "seq");
      EXPECT_GE(view.max_seq.count(c.id) ? view.max_seq.at(c.id) : 0, last) << name << " " << c.id;
      continue;
    }
    std::vector<std::int64_t> missing;
    for (const json::object& e : entries) {
      if (!IsHole(e) && !view.messages.contains({c.id, Int(e, "seq")})) {
        missing.push_back(Int(e, "seq"));
      }
    }
    EXPECT_TRUE(missing.empty()) << name << ": SYNC lacks " << missing.size() << " messages of "
                                 << c.id << ", the first at seq " << missing.front();
  }
}

// Prints the phase's FAULT line: 503s seen; from the fault to the first ack
// of a CHAT sent after it; the longest time without any ack; how long the
// victim was away; markers; acks; CHATs cut off with their connection; of
// those abandoned, and of those stored anyway; the slowest retry.
void Report(const Phase& phase, const Stored& stored) {
  int unavailable = 0, in_flight = 0;
  std::size_t acked = 0, abandoned = 0, abandoned_stored = 0;
  std::vector<Clock::time_point> times = {phase.start, phase.stop};
  Clock::time_point resumed = phase.stop;
  Clock::duration retry{};
  for (const ClientLog& log : phase.logs) {
    unavailable += log.unavailable;
    in_flight += log.in_flight;
    acked += log.acks.size();
    abandoned += log.abandoned.size();
    for (const std::string& msg_id : log.abandoned) abandoned_stored += stored.at.count(msg_id);
    for (const Ack& ack : log.acks) {
      if (ack.acked < phase.stop) times.push_back(ack.acked);
      if (ack.sent >= phase.fault_at) resumed = std::min(resumed, ack.acked);
    }
    for (Clock::duration wait : log.retry_waits) retry = std::max(retry, wait);
  }
  std::ranges::sort(times);
  Clock::duration stall{};
  for (std::size_t i = 1; i < times.size(); ++i) stall = std::max(stall, times[i] - times[i - 1]);
  const bool calm = phase.fault == Fault::kCalm;
  std::printf(
      "FAULT kind=%s 503s=%d resume_ms=%lld stall_ms=%lld down_ms=%lld markers=%d acked=%zu "
      "in_flight=%d abandoned=%zu stored=%zu retry_ms=%lld\n",
      Name(phase.fault), unavailable, calm ? 0 : Ms(resumed - phase.fault_at), Ms(stall),
      Ms(phase.down), stored.markers, acked, in_flight, abandoned, abandoned_stored, Ms(retry));
}

TEST_F(ClusterFaultTest, EveryAcknowledgedMessageOnceDenseAndOnTimeThroughEachFault) {
  // Users are registered while the cluster is calm: a registration is not
  // retried, and right after an outage one may be answered 503.
  std::vector<std::unique_ptr<Phase>> phases;
  for (Fault fault : {Fault::kCalm, Fault::kGatewayKill9, Fault::kRedisKill9, Fault::kMysqlKill9,
                      Fault::kGatewaySigterm}) {
    phases.push_back(MakePhase(fault));
  }
  for (const auto& phase : phases) {
    RunPhase(*phase);
    if (HasFatalFailure()) return;
  }
  for (const auto& phase : phases) {
    Timelines timelines;
    std::vector<SyncView> syncs;
    for (int i = 0; i < kClients; ++i) {
      std::unique_ptr<Connection> device = NewDevice(phase->tokens[i]);
      ASSERT_TRUE(device);
      syncs.push_back(FirstSync(*device));
      for (const Conversation& c : phase->conversations) {
        if (c.members.front() == i) timelines[c.id] = ReadTimeline(*device, c.id);
      }
    }
    const Stored stored = CheckTimelines(*phase, timelines);
    CheckPhase(*phase, stored);
    for (int i = 0; i < kClients; ++i) CheckSync(*phase, i, syncs[i], timelines);
    Report(*phase, stored);
  }
  for (const std::string& id : kGatewayIds) {
    const std::string log = gateways_[id]->Log();
    for (const char* line :
         {"redis down: ", "redis up again after ", "mysql down: ", "mysql up again after "}) {
      EXPECT_NE(log.find(line), std::string::npos) << id << " did not log '" << line << "'";
    }
  }
}

}  // namespace
}  // namespace parley::testing
