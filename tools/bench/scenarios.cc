// The CHAT-driven scenarios: chat (1:1 pairs), fanout (one group), serial
// (one message at a time) and sync (catch-up of one device).
#include <boost/json/parse.hpp>
#include <cstdio>
#include <iostream>

#include "tools/bench/cpu_sample.h"
#include "tools/bench/load.h"

namespace parley::bench {
namespace {

std::string Fmt(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

}  // namespace

const char* TransportName(const Options& o) {
  const bool tls = o.security == Security::kTls;
  if (o.transport == Transport::kWs) return tls ? "wss" : "ws";
  return tls ? "tls" : "tcp";
}

namespace {

bool Prepare(const Options& o, const std::vector<std::string>& users) {
  const std::size_t failed = RegisterUsers(o, users);
  if (failed != 0) std::cerr << "parley-bench: " << failed << " registrations failed\n";
  return failed == 0;
}

bool ConnectOrFail(Fleet& fleet, double* seconds) {
  *seconds = fleet.ConnectAll();
  if (fleet.failed() != 0 || fleet.logged_in() != fleet.size()) {
    std::cerr << "parley-bench: " << fleet.failed() << " of " << fleet.size()
              << " connections failed to log in\n";
    return false;
  }
  return true;
}

// The measured window: its length and the CPU used in it.
struct Window {
  double seconds = 0;
  CpuSample cpu_before;
  CpuSample cpu_after;
  // The server's stored-message counter at both ends (-1: unavailable): what
  // it made durable, whether or not the load generator has read the acks yet.
  std::int64_t stored_before = -1;
  std::int64_t stored_after = -1;

  void Report(boost::json::object& r) const {
    if (stored_before >= 0 && stored_after >= stored_before) {
      r["server_stored_per_s"] = static_cast<double>(stored_after - stored_before) / seconds;
    }
  }
};

constexpr std::string_view kStoredCounter = "parley_messages_stored_total";

// Warm-up, then a measured window.
Window Measure(const Options& o, Load& load) {
  Window w;
  load.Start();
  SleepS(o.warmup_s);
  load.StartRecording();
  w.cpu_before = SampleCpu(o.server_pid);
  w.stored_before = ServerCounter(o, kStoredCounter);
  const std::int64_t t0 = NowNs();
  SleepS(o.duration_s);
  load.StopRecording();
  const std::int64_t t1 = NowNs();
  w.stored_after = ServerCounter(o, kStoredCounter);
  w.cpu_after = SampleCpu(o.server_pid);
  load.Stop();
  SleepS(0.2);
  w.seconds = static_cast<double>(t1 - t0) / 1e9;
  return w;
}

std::string Lat(const Histogram& h) {
  return Fmt("p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f ms", h.Percentile(0.5) / 1e6,
             h.Percentile(0.9) / 1e6, h.Percentile(0.99) / 1e6, h.Percentile(0.999) / 1e6);
}

}  // namespace

int RunChat(const Options& o) {
  std::vector<std::string> users;
  for (int i = 0; i < o.pairs; ++i) users.push_back(UserName(o, "s", i));
  for (int i = 0; i < o.pairs; ++i) users.push_back(UserName(o, "r", i));
  if (!Prepare(o, users)) return 1;
  Loops loops(o.threads);
  Fleet fleet(o, loops, users, CrossGatewayLayout(o, static_cast<std::size_t>(o.pairs)));
  std::vector<SenderSpec> senders;
  for (int i = 0; i < o.pairs; ++i) {
    SenderSpec spec{static_cast<std::size_t>(i), "to", users[static_cast<std::size_t>(o.pairs + i)]};
    if (o.images_pct > 0) {
      spec.media_id = UploadImage(o, users[static_cast<std::size_t>(i)]);
      if (spec.media_id.empty()) {
        std::cerr << "parley-bench: image upload failed (does the server have media?)\n";
        return 1;
      }
    }
    senders.push_back(std::move(spec));
  }
  Load load(o, loops, fleet, senders);
  fleet.SetHandler(
      [&load](std::size_t c, std::uint16_t cmd, std::string_view b) { load.OnPacket(c, cmd, b); });
  double connect_s = 0;
  if (!ConnectOrFail(fleet, &connect_s)) return 1;
  const Window window = Measure(o, load);
  const double seconds = window.seconds;
  const std::size_t closed = fleet.closed();
  loops.Stop();
  const Stats s = load.Merged();
  boost::json::object r = Throughput(s, seconds);
  r["cpu_us_per_message"] =
      CpuPerUnit(window.cpu_before, window.cpu_after, static_cast<double>(s.acked));
  if (GatewayCount(o) < 2) window.Report(r);  // one gateway's counter is not the total
  r["closed_connections"] = closed;
  r["gateways"] = GatewayCount(o) < 2 ? 1 : GatewayCount(o);  // > 1: every pair crosses gateways
  r["events_pct"] = o.events_pct;
  r["images_pct"] = o.images_pct;
  const std::string mix =
      o.events_pct + o.images_pct > 0 ? Fmt(" mix %d%% reactions %d%% images", o.events_pct, o.images_pct)
                                      : "";
  Emit(o, r,
       Fmt("chat %s pairs=%d %s%s: acked %.0f/s delivered %.0f/s ack %s; delivery %s; errors %llu",
           TransportName(o), o.pairs, o.rate > 0 ? Fmt("open %.0f/s", o.rate).c_str() : "closed",
           mix.c_str(),
           s.acked / seconds, s.delivered / seconds, Lat(s.ack).c_str(), Lat(s.delivery).c_str(),
           static_cast<unsigned long long>(s.errors)));
  return s.acked > 0 && closed == 0 ? 0 : 1;
}

int RunFanout(const Options& o) {
  std::vector<std::string> users;
  for (int i = 0; i < o.members; ++i) users.push_back(UserName(o, "m", i));
  if (!Prepare(o, users)) return 1;
  Loops loops(o.threads);
  Fleet fleet(o, loops, users);
  const std::string group_id = o.user_prefix + "group";
  std::vector<SenderSpec> senders;
  for (int i = 0; i < std::min(o.senders, o.members); ++i) {
    senders.push_back({static_cast<std::size_t>(i), "conversation_id", "group_" + group_id});
  }
  Load load(o, loops, fleet, senders);
  std::atomic<int> created{0};
  fleet.SetHandler([&](std::size_t c, std::uint16_t cmd, std::string_view b) {
    if (cmd == 7 && c == 0) {
      created.store(FindInt(b, "code") == 0 ? 1 : 2);
      if (created.load() == 2) std::cerr << "group create failed: " << b << "\n";
      return;
    }
    load.OnPacket(c, cmd, b);
  });
  double connect_s = 0;
  if (!ConnectOrFail(fleet, &connect_s)) return 1;
  std::string create =
      R"({"cmd":7,"op":"create","name":"bench","group_id":")" + group_id + R"(","members":[)";
  for (int i = 1; i < o.members; ++i)
    create += (i > 1 ? ",\"" : "\"") + users[static_cast<std::size_t>(i)] + "\"";
  create += "]}";
  loops.Post(fleet.LoopOf(0), [&] { fleet.conn(0).Send(7, create); });
  for (int i = 0; i < 30000 && created.load() == 0; ++i) SleepS(0.001);
  if (created.load() != 1) return 1;
  SleepS(0.3);  // the membership push reaches everyone first
  const Window window = Measure(o, load);
  const double seconds = window.seconds;
  const std::size_t closed = fleet.closed();
  loops.Stop();
  const Stats s = load.Merged();
  boost::json::object r = Throughput(s, seconds);
  r["cpu_us_per_delivery"] =
      CpuPerUnit(window.cpu_before, window.cpu_after, static_cast<double>(s.delivered));
  r["closed_connections"] = closed;
  r["deliveries_per_s"] = static_cast<double>(s.delivered) / seconds;
  Emit(o, r,
       Fmt("fanout %s members=%d senders=%d window=%d: %.0f msg/s acked, %.0f deliveries/s; "
           "delivery %s; closed %zu",
           TransportName(o), o.members, static_cast<int>(senders.size()), o.window,
           s.acked / seconds, s.delivered / seconds, Lat(s.delivery).c_str(), closed));
  return s.delivered > 0 ? 0 : 1;
}

int RunSerial(const Options& o) {
  const std::vector<std::string> users = {UserName(o, "s", 0), UserName(o, "r", 0)};
  if (!Prepare(o, users)) return 1;
  Options so = o;
  so.window = 1;
  so.rate = 0;
  Loops loops(1);
  Fleet fleet(so, loops, {users[0]});
  const std::uint64_t warm = 200;
  Load load(so, loops, fleet, {{0, "to", users[1], warm + static_cast<std::uint64_t>(o.messages)}});
  fleet.SetHandler(
      [&load](std::size_t c, std::uint16_t cmd, std::string_view b) { load.OnPacket(c, cmd, b); });
  double connect_s = 0;
  if (!ConnectOrFail(fleet, &connect_s)) return 1;
  load.Start();
  while (load.total_acked() < warm) SleepS(0.0001);
  load.StartRecording();
  const std::int64_t t0 = NowNs();
  const auto deadline = t0 + static_cast<std::int64_t>(600e9);
  while (load.total_acked() < warm + static_cast<std::uint64_t>(o.messages) && NowNs() < deadline) {
    SleepS(0.0005);
  }
  const double seconds = static_cast<double>(NowNs() - t0) / 1e9;
  loops.Stop();
  const Stats s = load.Merged();
  boost::json::object r = Throughput(s, seconds);
  Emit(o, r,
       Fmt("serial %s: %llu messages one at a time, %.0f msg/s, send->ack %s", TransportName(o),
           static_cast<unsigned long long>(s.acked), s.acked / seconds, Lat(s.ack).c_str()));
  return s.acked > 0 ? 0 : 1;
}

int RunSync(const Options& o) {
  const std::string device = UserName(o, "y", 0);
  std::vector<std::string> users = {device};
  const int convs = std::max(1, o.conversations);
  for (int i = 0; i < convs; ++i) users.push_back(UserName(o, "c", i));
  if (!Prepare(o, users)) return 1;

  // Seed: each conversation's peer sends its share while the device is offline.
  double seed_s = 0;
  {
    Options so = o;
    so.rate = 0;
    so.window = std::max(o.window, 32);
    Loops loops(o.threads);
    Fleet fleet(so, loops, std::vector<std::string>(users.begin() + 1, users.end()));
    std::vector<SenderSpec> senders;
    std::uint64_t total = 0;
    for (int i = 0; i < convs; ++i) {
      const std::uint64_t share =
          static_cast<std::uint64_t>(o.messages / convs + (i < o.messages % convs ? 1 : 0));
      total += share;
      if (share > 0) senders.push_back({static_cast<std::size_t>(i), "to", device, share});
    }
    Load load(so, loops, fleet, senders);
    fleet.SetHandler([&load](std::size_t c, std::uint16_t cmd, std::string_view b) {
      load.OnPacket(c, cmd, b);
    });
    double connect_s = 0;
    if (!ConnectOrFail(fleet, &connect_s)) return 1;
    const std::int64_t t0 = NowNs();
    load.Start();
    const auto deadline = t0 + static_cast<std::int64_t>(600e9);
    while (load.total_acked() < total && NowNs() < deadline) SleepS(0.001);
    seed_s = static_cast<double>(NowNs() - t0) / 1e9;
    loops.Stop();
    if (load.total_acked() < total) {
      std::cerr << "parley-bench: seeding acked only " << load.total_acked() << " of " << total
                << "\n";
      return 1;
    }
  }

  // Catch-up: SYNC pages from inbox_seq 0 until has_more is false. The
  // device parses every page, as a real client must.
  Loops loops(1);
  Fleet fleet(o, loops, {device});
  std::atomic<bool> done{false};
  std::uint64_t received = 0;
  std::uint64_t pages = 0;
  std::int64_t finished_ns = 0;
  std::string error;
  auto request = [&](std::int64_t from) {
    fleet.conn(0).Send(6, R"({"cmd":6,"inbox_seq":)" + std::to_string(from) + R"(,"limit":)" +
                              std::to_string(o.sync_limit) + "}");
  };
  fleet.SetHandler([&](std::size_t, std::uint16_t cmd, std::string_view b) {
    if (cmd != 6) return;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(b, ec);
    const auto* obj = v.if_object();
    if (ec || obj == nullptr || FindInt(b, "code") != 0) {
      error = std::string(b.substr(0, 300));
      done.store(true);
      return;
    }
    ++pages;
    if (const auto* p = obj->if_contains("payload"); p != nullptr && p->is_array()) {
      received += p->as_array().size();
    }
    const auto* more = obj->if_contains("has_more");
    const auto* next = obj->if_contains("next_inbox_seq");
    if (more != nullptr && more->is_bool() && more->as_bool() && next != nullptr &&
        next->is_int64()) {
      request(next->as_int64());
      return;
    }
    finished_ns = NowNs();
    done.store(true);
  });
  double connect_s = 0;
  if (!ConnectOrFail(fleet, &connect_s)) return 1;
  const std::int64_t t0 = NowNs();
  loops.Post(0, [&] { request(0); });
  while (!done.load() && fleet.closed() == 0 && NowNs() - t0 < static_cast<std::int64_t>(600e9)) {
    SleepS(0.0005);
  }
  loops.Stop();
  if (!done.load()) error = fleet.closed() != 0 ? "connection closed" : "timed out";
  if (!error.empty()) {
    std::cerr << "parley-bench: sync failed: " << error << "\n";
    return 1;
  }
  const double seconds = static_cast<double>(finished_ns - t0) / 1e9;
  boost::json::object r{{"seconds", seconds},
                        {"messages", received},
                        {"expected", o.messages},
                        {"pages", pages},
                        {"messages_per_s", static_cast<double>(received) / seconds},
                        {"seed_seconds", seed_s},
                        {"seed_acked_per_s", o.messages / seed_s}};
  Emit(o, r,
       Fmt("sync %s: %llu messages in %d conversations caught up in %.3f s (%.0f msg/s, %llu "
           "pages); "
           "seeded at %.0f msg/s",
           TransportName(o), static_cast<unsigned long long>(received), convs, seconds,
           received / seconds, static_cast<unsigned long long>(pages), o.messages / seed_s));
  return received == static_cast<std::uint64_t>(o.messages) ? 0 : 1;
}

}  // namespace parley::bench
