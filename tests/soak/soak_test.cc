// make soak [MINUTES=10] [BACKEND=embedded|cluster] [FAULTS=all|kill9,...]
// (docs/soak.md): 30 devices of 24 users, half binary TCP and half WebSocket, send
// 1:1 and group messages (a group under the fan-out threshold, one over it,
// one whose membership churns), retry with the same msg_id after every
// failure and now and then after a success, and catch up by SYNC and PULL
// after every reconnect, while a driver kills parleyd (-9 and SIGTERM),
// restarts Redis and MariaDB and kills gateways (cluster), and cuts the
// devices' connections at the proxy they connect through. At the end the
// independent checker (checker.h) reads every timeline afresh and accounts
// for every acknowledged message; server RSS and open files are sampled
// throughout. The report goes to stdout and soak-report-BACKEND.md.
//
// Not part of `make test`: it runs for minutes by design.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"
#include "integration/harness/tcp_proxy.h"
#include "soak/checker.h"
#include "soak/soak_device.h"

namespace parley::soak {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ServerProcess;
using testing::TcpProxy;

constexpr int kUsers = 24;
constexpr int kFanoutThreshold = 8;
constexpr auto kCallTimeout = 5s;

std::string User(int i) { return (i < 10 ? "u0" : "u") + std::to_string(i); }
std::string Private(const std::string& a, const std::string& b) {
  return a < b ? "private_" + a + ":" + b : "private_" + b + ":" + a;
}

// Who talks where. 1:1 pairs u00-u01 … u10-u11; "small" (6 members, write
// diffusion), "big" (16 members, over the threshold of 8: read diffusion),
// "churn" (owner u22 invites and kicks u18..u21 while they send).
struct Topology {
  std::map<std::string, std::vector<std::string>> sends_to;       // user -> conversations
  std::map<std::string, std::vector<std::string>> must_converge;  // user -> conversations
  std::map<std::string, std::string> reader;                       // conversation -> a member
  std::vector<std::string> small, big, churn_fixed, churn_toggled;

  Topology() {
    for (int i = 0; i < 12; i += 2) {
      const std::string a = User(i), b = User(i + 1), conv = Private(a, b);
      for (const std::string& u : {a, b}) {
        sends_to[u].push_back(conv);
        must_converge[u].push_back(conv);
      }
      reader[conv] = a;
    }
    for (int i = 12; i < 18; ++i) small.push_back(User(i));
    for (int i = 0; i < 12; ++i) big.push_back(User(i));
    for (int i = 18; i < 22; ++i) big.push_back(User(i));
    churn_fixed = {User(22), User(23)};
    for (int i = 18; i < 22; ++i) churn_toggled.push_back(User(i));
    for (const std::string& u : small) {
      sends_to[u].push_back("group_small");
      must_converge[u].push_back("group_small");
    }
    for (const std::string& u : big) {
      sends_to[u].push_back("group_big");
      must_converge[u].push_back("group_big");
    }
    for (const std::string& u : churn_toggled) sends_to[u].push_back("group_churn");
    sends_to[User(23)].push_back("group_churn");
    reader["group_small"] = small.front();
    reader["group_big"] = big.front();
    reader["group_churn"] = User(22);
  }
};

enum class Chaos { kKill9, kTerminate, kCutConnections, kRestartRedis, kRestartMysql };
// The names SOAK_FAULTS (make soak FAULTS=...) lists, comma-separated.
const char* ChaosFlag(Chaos chaos) {
  switch (chaos) {
    case Chaos::kKill9: return "kill9";
    case Chaos::kTerminate: return "term";
    case Chaos::kCutConnections: return "cut";
    case Chaos::kRestartRedis: return "redis";
    case Chaos::kRestartMysql: return "mysql";
  }
  return "?";
}
const char* ChaosName(Chaos chaos) {
  switch (chaos) {
    case Chaos::kKill9: return "parleyd kill -9 and restart";
    case Chaos::kTerminate: return "parleyd SIGTERM and restart";
    case Chaos::kCutConnections: return "client connections cut at the proxy";
    case Chaos::kRestartRedis: return "Redis restart";
    case Chaos::kRestartMysql: return "MariaDB restart";
  }
  return "?";
}

// The servers and the proxies every device connects through, so that a
// server restarted on new ports stays reachable at the same address.
class Deployment {
 public:
  Deployment(const std::filesystem::path& root, bool cluster)
      : root_(root), cluster_(cluster), gateways_(cluster ? 2 : 1) {
    for (int g = 0; g < gateways_; ++g) {
      servers_.push_back(Launch(g));
      if (!servers_.back()) throw std::runtime_error("parleyd did not start");
      tcp_proxies_.push_back(std::make_unique<TcpProxy>(servers_.back()->tcp_port()));
      ws_proxies_.push_back(std::make_unique<TcpProxy>(servers_.back()->ws_port()));
    }
  }

  int gateways() const { return gateways_; }
  std::uint16_t ProxyPort(int gateway, Transport transport) const {
    return (transport == Transport::kTcp ? tcp_proxies_ : ws_proxies_)[gateway]->port();
  }
  std::uint16_t DirectTcpPort(int gateway) {
    std::lock_guard lock(mu_);
    return servers_[gateway]->tcp_port();
  }
  std::uint16_t DirectWsPort(int gateway) {
    std::lock_guard lock(mu_);
    return servers_[gateway]->ws_port();
  }
  std::vector<pid_t> Pids() {
    std::lock_guard lock(mu_);
    std::vector<pid_t> pids;
    for (const auto& s : servers_) pids.push_back(s->pid());
    return pids;
  }

  // Every fault this backend has, in the order they take turns.
  std::vector<Chaos> Kinds() const {
    if (!cluster_) return {Chaos::kKill9, Chaos::kCutConnections, Chaos::kTerminate};
    return {Chaos::kKill9, Chaos::kRestartRedis, Chaos::kCutConnections, Chaos::kTerminate,
            Chaos::kRestartMysql};
  }

  void Inflict(Chaos chaos, int gateway) {
    switch (chaos) {
      case Chaos::kKill9:
      case Chaos::kTerminate: {
        {
          std::lock_guard lock(mu_);
          if (chaos == Chaos::kKill9) {
            servers_[gateway]->Kill9();
          } else {
            servers_[gateway]->Terminate();
          }
        }
        std::this_thread::sleep_for(1s);  // devices meet a closed door meanwhile
        auto restarted = Launch(gateway);
        if (!restarted) throw std::runtime_error("parleyd did not restart");
        tcp_proxies_[gateway]->SetUpstream(restarted->tcp_port());
        ws_proxies_[gateway]->SetUpstream(restarted->ws_port());
        std::lock_guard lock(mu_);
        servers_[gateway] = std::move(restarted);
        return;
      }
      case Chaos::kCutConnections:
        for (auto* proxies : {&tcp_proxies_, &ws_proxies_}) (*proxies)[gateway]->SetOnline(false);
        std::this_thread::sleep_for(2s);
        for (auto* proxies : {&tcp_proxies_, &ws_proxies_}) (*proxies)[gateway]->SetOnline(true);
        return;
      case Chaos::kRestartRedis: testing::DepsFor(root_).redis.Restart(); return;
      case Chaos::kRestartMysql: testing::DepsFor(root_).mysql.Restart(); return;
    }
  }

 private:
  std::unique_ptr<ServerProcess> Launch(int gateway) {
    std::vector<std::string> flags = {"--fanout-threshold", std::to_string(kFanoutThreshold),
                                      "--chat-rate", "0", "--log-level", "warn"};
    if (!cluster_) return ServerProcess::Start(root_ / "node", flags);
    return ServerProcess::StartGateway(root_, "gw" + std::to_string(gateway + 1), flags);
  }

  const std::filesystem::path root_;
  const bool cluster_;
  const int gateways_;
  std::mutex mu_;  // servers_
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::vector<std::unique_ptr<TcpProxy>> tcp_proxies_;
  std::vector<std::unique_ptr<TcpProxy>> ws_proxies_;
};

// One device's life: connect, catch up, send, retry, catch up again.
class DeviceLoop {
 public:
  DeviceLoop(std::string name, std::string user, Transport transport, int gateway,
             std::vector<std::string> sends_to, std::vector<std::string> must_converge,
             Deployment& deployment, Checker& checker, unsigned seed)
      : name_(std::move(name)),
        gateway_(gateway),
        sends_to_(std::move(sends_to)),
        must_converge_(std::move(must_converge)),
        deployment_(deployment),
        checker_(checker),
        random_(seed),
        device_(transport, std::move(user), [this](const json::object& p) { OnPacket(p); }) {}

  // True once the device saw `sending` off with no send of its own in
  // flight: from then on nothing it sent can still be stored.
  bool stopped_sending() const { return stopped_sending_; }

  void Run(const std::atomic<bool>& sending, const std::atomic<bool>& running) {
    auto next_sync = Clock::now();
    while (running) {
      if (!device_.connected()) {
        if (!device_.Connect(deployment_.ProxyPort(gateway_, device_.transport()))) {
          std::this_thread::sleep_for(200ms);
          continue;
        }
        next_sync = Clock::now();  // catch up after every reconnect
      }
      if (Clock::now() >= next_sync) {
        Sync();
        next_sync = Clock::now() + 2s;
      }
      if (sending && !sends_to_.empty()) Send();
      if (!sending) stopped_sending_ = true;  // no send of this device is in flight
      device_.Drain(std::chrono::milliseconds(10 + random_() % 40));
    }
    // The end: one more catch-up on a live connection, then report.
    for (int attempt = 0; attempt < 50 && !FinalSync(); ++attempt) std::this_thread::sleep_for(200ms);
    checker_.RecordDeviceView(name_, seen_, must_converge_);
  }

 private:
  struct Pending {
    std::string msg_id;
    std::string conversation_id;
    std::string content;
    bool retry = false;
  };

  void OnPacket(const json::object& packet) {
    const json::value* cmd = packet.if_contains("cmd");
    if (cmd == nullptr || !cmd->is_int64() || cmd->as_int64() != 5) return;
    const json::value* payload = packet.if_contains("payload");
    if (payload != nullptr && payload->is_object()) See(payload->as_object());
  }

  void See(const json::object& message) {
    const json::value* conv = message.if_contains("conversation_id");
    const json::value* seq = message.if_contains("seq");
    if (conv && conv->is_string() && seq && seq->is_int64()) {
      seen_[std::string(conv->as_string())].insert(seq->as_int64());
    }
  }

  std::int64_t Contiguous(const std::string& conversation_id) {
    const std::set<std::int64_t>& seqs = seen_[conversation_id];
    std::int64_t have = 0;
    for (std::int64_t seq : seqs) {
      if (seq != have + 1) break;
      have = seq;
    }
    return have;
  }

  bool Pull(const std::string& conversation_id) {
    for (int pages = 0; pages < 1000; ++pages) {
      const std::int64_t cursor = Contiguous(conversation_id);
      auto page = device_.Call(3, {{"conversation_id", conversation_id}, {"cursor_seq", cursor},
                                   {"limit", 200}},
                               kCallTimeout);
      if (!page || testing::CodeOf(page) != 0) return page.has_value();  // 403: churned out
      const json::array& messages = page->at("payload").as_array();
      for (const json::value& m : messages) See(m.as_object());
      if (messages.empty() || Contiguous(conversation_id) == cursor) return true;
    }
    return true;
  }

  // SYNC from the cursor to the end, then PULL what SYNC lists beyond what
  // the device holds (read-diffusion groups, an expired cursor).
  bool Sync() {
    for (int pages = 0; pages < 1000; ++pages) {
      auto answer = device_.Call(6, {{"inbox_seq", cursor_}, {"limit", 200}}, kCallTimeout);
      if (!answer || testing::CodeOf(answer) != 0) return false;
      const bool expired = answer->at("expired").as_bool();
      for (const json::value& entry : answer->at("payload").as_array()) {
        See(entry.at("message").as_object());
      }
      if (expired) {
        for (const std::string& conv : must_converge_) {
          if (!Pull(conv)) return false;
        }
      }
      cursor_ = answer->at("next_inbox_seq").as_int64();
      if (answer->at("has_more").as_bool()) continue;
      if (const json::value* list = answer->if_contains("conversations"); list && list->is_array()) {
        for (const json::value& c : list->as_array()) {
          const std::string conv(c.at("conversation_id").as_string());
          if (c.at("max_seq").as_int64() > Contiguous(conv) && !Pull(conv)) return false;
        }
      }
      return true;
    }
    return true;
  }

  bool FinalSync() {
    if (!device_.connected() &&
        !device_.Connect(deployment_.ProxyPort(gateway_, device_.transport()))) {
      return false;
    }
    if (!Sync()) return false;
    for (const std::string& conv : must_converge_) {
      if (!Pull(conv)) return false;
    }
    return true;
  }

  void Send() {
    if (!pending_) {
      if (!acked_.empty() && random_() % 20 == 0) {
        // A retry of a message already acknowledged: must answer its seq.
        pending_ = acked_[random_() % acked_.size()];
        pending_->retry = true;
      } else {
        const std::string conv = sends_to_[random_() % sends_to_.size()];
        const std::string msg_id = name_ + "-" + std::to_string(++sent_);
        pending_ = Pending{msg_id, conv, "soak " + msg_id + " to " + conv, false};
      }
    }
    checker_.RecordAttempt(device_.user_id(), pending_->msg_id, pending_->conversation_id,
                           pending_->content, pending_->retry);
    json::object chat{{"msg_id", pending_->msg_id},
                      {"payload", {{"content", pending_->content}, {"msg_type", 1}}}};
    const std::string& conv = pending_->conversation_id;
    if (conv.starts_with("private_")) {  // 1:1 sends name the peer
      const std::size_t colon = conv.find(':');
      const std::string a = conv.substr(8, colon - 8), b = conv.substr(colon + 1);
      chat["to"] = a == device_.user_id() ? b : a;
    } else {
      chat["conversation_id"] = conv;
    }
    auto ack = device_.Call(2, chat, kCallTimeout);
    if (!ack) {
      pending_->retry = true;  // the same msg_id once reconnected
      return;
    }
    switch (testing::CodeOf(ack)) {
      case 0:
        checker_.RecordAck(device_.user_id(), pending_->msg_id, ack->at("seq").as_int64());
        if (!pending_->retry) acked_.push_back(*pending_);
        pending_.reset();
        return;
      case 403: checker_.RecordRefused(); pending_.reset(); return;
      case 503:
      case 429:  // a backend is away, or busy: the same msg_id again soon
        pending_->retry = true;
        std::this_thread::sleep_for(100ms);
        return;
      default:  // a request the server calls wrong is a bug of this driver
        ADD_FAILURE() << name_ << ": CHAT answered " << json::serialize(*ack);
        pending_.reset();
        return;
    }
  }

  const std::string name_;
  const int gateway_;
  const std::vector<std::string> sends_to_;
  const std::vector<std::string> must_converge_;
  Deployment& deployment_;
  Checker& checker_;
  std::minstd_rand random_;
  SoakDevice device_;
  std::int64_t cursor_ = 0;
  std::int64_t sent_ = 0;
  std::optional<Pending> pending_;
  std::vector<Pending> acked_;
  std::map<std::string, std::set<std::int64_t>> seen_;
  std::atomic<bool> stopped_sending_{false};
};

struct Sample {
  double rss_mib = 0;
  int open_files = 0;
};
Sample SampleProcess(pid_t pid) {
  Sample out;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) out.rss_mib = std::atof(line.c_str() + 6) / 1024.0;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++out.open_files;
  }
  return out;
}

// The embedded store's own account of its memory (parley_store_memory_bytes
// on /metrics), which explains most of an embedded parleyd's RSS; "" when
// the server has none (cluster) or does not answer.
std::string StoreMemory(std::uint16_t ws_port) {
  const testing::HttpResult metrics = testing::HttpGet(ws_port, "/metrics");
  std::string out;
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kName = "parley_store_memory_bytes{part=\"";
    if (!line.starts_with(kName)) continue;
    const std::size_t quote = line.find('"', kName.size());
    const std::size_t space = line.rfind(' ');
    if (quote == std::string::npos || space == std::string::npos) continue;
    char part[96];
    std::snprintf(part, sizeof part, "%s%s %.1f", out.empty() ? "" : ", ",
                  line.substr(kName.size(), quote - kName.size()).c_str(),
                  std::atof(line.c_str() + space + 1) / (1 << 20));
    out += part;
  }
  return out;
}

json::object Call(testing::RawTcpClient& client, std::uint16_t cmd, const json::object& body) {
  auto reply = client.Call(cmd, body, 10s);
  return reply ? *reply : json::object{{"code", -1}};
}

// A group made by its owner; retried while a backend recovers.
void CreateGroup(Deployment& deployment, const std::string& owner, const std::string& id,
                 const std::vector<std::string>& members) {
  json::array list;
  for (const std::string& m : members) {
    if (m != owner) list.emplace_back(m);
  }
  testing::RawTcpClient client(deployment.DirectTcpPort(0));
  ASSERT_TRUE(client.Login(testing::TestToken(owner)));
  ASSERT_EQ(Call(client, 7, {{"op", "create"}, {"group_id", id}, {"name", id}, {"members", list}})
                .at("code")
                .as_int64(),
            0)
      << id;
}

std::vector<json::object> ReadTimeline(Deployment& deployment, const std::string& reader,
                                       const std::string& conversation_id) {
  std::vector<json::object> out;
  testing::RawTcpClient client(deployment.DirectTcpPort(0));
  if (!client.Login(testing::TestToken(reader))) return out;
  for (std::int64_t cursor = 0;;) {
    json::object page = Call(client, 3, {{"conversation_id", conversation_id},
                                         {"cursor_seq", cursor}, {"limit", 200}});
    if (page.at("code").as_int64() != 0) break;
    const json::array& messages = page.at("payload").as_array();
    if (messages.empty()) break;
    for (const json::value& m : messages) out.push_back(m.as_object());
    cursor = out.back().at("seq").as_int64();
  }
  return out;
}

// SOAK_FAULTS narrows the faults to those named (e.g. "cut": parleyd then
// lives the whole run, so its samples show one process's memory and files
// over time rather than per restart). Unset or "all": every kind.
std::vector<Chaos> ChosenKinds(const std::vector<Chaos>& available) {
  const char* env = std::getenv("SOAK_FAULTS");
  const std::string list = env == nullptr ? "all" : env;
  if (list == "all") return available;
  std::vector<Chaos> chosen;
  std::istringstream names(list);
  for (std::string name; std::getline(names, name, ',');) {
    auto it = std::find_if(available.begin(), available.end(),
                           [&](Chaos c) { return name == ChaosFlag(c); });
    if (it == available.end()) {
      ADD_FAILURE() << "SOAK_FAULTS: '" << name << "' is not a fault of this backend";
      return {};
    }
    chosen.push_back(*it);
  }
  return chosen;
}

TEST(Soak, EveryAcknowledgedMessageAccountedFor) {
  const char* minutes_env = std::getenv("SOAK_MINUTES");
  const double minutes = minutes_env ? std::atof(minutes_env) : 2.0;
  const char* chaos_env = std::getenv("SOAK_CHAOS_SECONDS");
  const auto chaos_every = std::chrono::seconds(chaos_env ? std::atoi(chaos_env) : 20);
  const bool cluster = testing::ClusterBackend();
  const std::string backend = cluster ? "cluster" : "embedded";

  testing::TempDir dir;
  Deployment deployment(dir.path(), cluster);
  const std::vector<Chaos> kinds = ChosenKinds(deployment.Kinds());
  ASSERT_FALSE(kinds.empty()) << "SOAK_FAULTS names no fault of this backend: nothing to run";
  Topology topology;
  Checker checker;
  for (int i = 0; i < kUsers; ++i) {
    ASSERT_FALSE(testing::RegisterUser(deployment.DirectWsPort(0), User(i)).empty()) << User(i);
  }
  CreateGroup(deployment, topology.small.front(), "small", topology.small);
  CreateGroup(deployment, topology.big.front(), "big", topology.big);
  std::vector<std::string> churn = topology.churn_fixed;
  churn.insert(churn.end(), topology.churn_toggled.begin(), topology.churn_toggled.end());
  CreateGroup(deployment, User(22), "churn", churn);

  // 30 devices: every user one, u00..u05 a second; transports alternate.
  std::vector<std::unique_ptr<DeviceLoop>> devices;
  for (int i = 0; i < kUsers + 6; ++i) {
    const std::string user = User(i % kUsers);
    const std::string name = user + (i >= kUsers ? "b" : "a");
    const Transport transport = i % 2 == 0 ? Transport::kTcp : Transport::kWs;
    devices.push_back(std::make_unique<DeviceLoop>(
        name, user, transport, i % deployment.gateways(), topology.sends_to[user],
        topology.must_converge[user], deployment, checker, 1000u + static_cast<unsigned>(i)));
  }
  std::atomic<bool> sending{true}, running{true};
  std::vector<std::thread> threads;
  for (auto& d : devices) threads.emplace_back([&, loop = d.get()] { loop->Run(sending, running); });

  // Membership churn: the owner invites or kicks one of u18..u21 every 2 s.
  std::atomic<bool> churning{true};
  std::int64_t churn_changes = 0;
  std::thread churner([&] {
    std::set<std::string> out;
    std::minstd_rand random(7);
    std::unique_ptr<testing::RawTcpClient> owner;
    while (churning) {
      std::this_thread::sleep_for(2s);
      if (!owner || !owner->connected()) {
        owner = std::make_unique<testing::RawTcpClient>(deployment.DirectTcpPort(0));
        if (!owner->Login(testing::TestToken(User(22)))) {
          owner.reset();
          continue;
        }
      }
      const std::string who = topology.churn_toggled[random() % topology.churn_toggled.size()];
      const bool invite = out.contains(who);
      json::object reply = Call(*owner, 7, {{"op", invite ? "invite" : "kick"}, {"group_id", "churn"},
                                            {"members", json::array{json::value(who)}}});
      // 409 to an invite / 404 to a kick: an earlier change whose answer
      // was lost had happened after all.
      const std::int64_t code = reply.at("code").as_int64();
      if (code == 0) ++churn_changes;
      if (code == 0 || (invite && code == 409) || (!invite && code == 404)) {
        if (invite) {
          out.erase(who);
        } else {
          out.insert(who);
        }
      } else if (code < 0) {
        owner.reset();
      }
    }
  });

  // Chaos and samples.
  std::map<std::string, int> inflicted;
  // Per parleyd process in the order they started: its samples.
  std::vector<std::pair<pid_t, std::vector<Sample>>> samples;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(minutes * 60));
  auto next_chaos = Clock::now() + chaos_every;
  std::size_t round = 0;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(1s);
    for (pid_t pid : deployment.Pids()) {
      auto it = std::find_if(samples.begin(), samples.end(),
                             [pid](const auto& entry) { return entry.first == pid; });
      if (it == samples.end()) it = samples.insert(samples.end(), {pid, {}});
      it->second.push_back(SampleProcess(pid));
    }
    if (Clock::now() < next_chaos) continue;
    const Chaos chaos = kinds[round % kinds.size()];
    const int gateway = static_cast<int>(round / kinds.size()) % deployment.gateways();
    ++round;
    std::cout << "soak: " << ChaosName(chaos) << " (gateway " << gateway + 1 << ")" << std::endl;
    deployment.Inflict(chaos, gateway);
    ++inflicted[ChaosName(chaos)];
    next_chaos = Clock::now() + chaos_every;
  }
  // Before the final catch-up reads fill the block cache.
  std::vector<std::string> store_memory;
  for (int g = 0; g < deployment.gateways(); ++g) {
    store_memory.push_back(StoreMemory(deployment.DirectWsPort(g)));
  }
  churning = false;
  churner.join();
  // Every device's last send is answered (or given up) before any device
  // takes its final view, so no view misses a message stored after it.
  sending = false;
  const auto quiet_deadline = Clock::now() + 2 * kCallTimeout;
  while (Clock::now() < quiet_deadline &&
         !std::all_of(devices.begin(), devices.end(),
                      [](const auto& d) { return d->stopped_sending(); })) {
    std::this_thread::sleep_for(10ms);
  }
  running = false;
  for (std::thread& t : threads) t.join();

  for (const auto& [conv, reader] : topology.reader) {
    checker.CheckTimeline(conv, ReadTimeline(deployment, reader, conv));
  }
  const Counts counts = checker.Finish();

  std::ostringstream report;
  std::string faults;
  for (Chaos chaos : kinds) faults += (faults.empty() ? "" : ",") + std::string(ChaosFlag(chaos));
  report << "# Soak report (" << backend << ", " << minutes << " min, chaos every "
         << chaos_every.count() << " s: " << faults << ")\n\n"
         << "| count | value |\n|---|---|\n"
         << "| messages attempted (distinct msg_ids) | " << counts.attempted << " |\n"
         << "| acknowledged | " << counts.acked << " |\n"
         << "| sends retried with the same msg_id | " << counts.retried << " |\n"
         << "| retries of acked msg_ids answered with the same seq | " << counts.duplicate_acks << " |\n"
         << "| refused (403, churned out) | " << counts.refused << " |\n"
         << "| stored, ack never seen by its sender | " << counts.stored_unacked << " |\n"
         << "| **lost** | " << counts.lost << " |\n"
         << "| **duplicated** | " << counts.duplicated << " |\n"
         << "| **holes** | " << counts.holes << " |\n"
         << "| **unexpected** | " << counts.unexpected << " |\n"
         << "| **membership violations** | " << counts.membership_violations << " |\n"
         << "| hole markers (seqs given up, cluster) | " << counts.hole_markers << " |\n"
         << "| devices converged | " << counts.devices_converged << " / " << counts.devices << " |\n"
         << "| membership changes (churn group) | " << churn_changes << " |\n\n"
         << "| fault injected | times |\n|---|---|\n";
  for (const auto& [name, times] : inflicted) report << "| " << name << " | " << times << " |\n";
  // A leak shows as a second half whose peak keeps rising over the first's.
  report << "\n| parleyd process | samples | RSS first / max / last (MiB) "
            "| RSS max, 1st half / 2nd half | open files first / max / last |\n"
         << "|---|---|---|---|---|\n";
  for (const auto& [pid, list] : samples) {
    double rss_max = 0, rss_max_first_half = 0, rss_max_second_half = 0;
    int fd_max = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Sample& s = list[i];
      rss_max = std::max(rss_max, s.rss_mib);
      double& half = 2 * i < list.size() ? rss_max_first_half : rss_max_second_half;
      half = std::max(half, s.rss_mib);
      fd_max = std::max(fd_max, s.open_files);
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "| pid %d | %zu | %.1f / %.1f / %.1f | %.1f / %.1f | %d / %d / %d |\n", pid,
                  list.size(), list.front().rss_mib, rss_max, list.back().rss_mib,
                  rss_max_first_half, rss_max_second_half, list.front().open_files, fd_max,
                  list.back().open_files);
    report << line;
  }
  for (int g = 0; g < deployment.gateways(); ++g) {
    if (store_memory[g].empty()) continue;
    report << "\nThe store's memory at the end of the load, gateway " << g + 1
           << " (MiB, parley_store_memory_bytes): " << store_memory[g] << "\n";
  }
  if (!counts.problems.empty()) {
    report << "\nFirst problems:\n";
    for (const std::string& p : counts.problems) report << "- " << p << "\n";
  }
  std::cout << report.str();
  // A narrowed run keeps its own report beside the all-faults one.
  const bool all_faults = kinds.size() == deployment.Kinds().size();
  std::ofstream("soak-report-" + backend + (all_faults ? "" : "-" + faults) + ".md") << report.str();

  EXPECT_GT(counts.acked, 0);
  EXPECT_EQ(counts.lost, 0);
  EXPECT_EQ(counts.duplicated, 0);
  EXPECT_EQ(counts.holes, 0);
  EXPECT_EQ(counts.unexpected, 0);
  EXPECT_EQ(counts.membership_violations, 0);
  EXPECT_EQ(counts.devices_converged, counts.devices);
}

}  // namespace
}  // namespace parley::soak
