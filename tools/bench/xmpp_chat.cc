// xmpp-chat and xmpp-connect: the IM-server peers of the report (ejabberd,
// Prosody), driven by the same workloads as `chat` and `connect`.
//
// xmpp-chat: P pairs, each sender sending <message type='chat'> with a
// `size`-byte body to its receiver's bare JID, followed by <r/>; the
// server's <a h/> covering the message is its ack (XEP-0198: the server has
// handled the stanza: routed it and, with a message archive, stored it), the
// receiver's copy its delivery. Closed loop: --window messages in flight per
// sender. xmpp-connect: N ready, idle sessions and the server's RSS per
// session.
//
// Accounts are made by in-band registration (XEP-0077) on connections of
// their own before anything is measured: one round trip each, where
// `ejabberdctl register` or `prosodyctl register` start a VM per account.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>

#include "tools/bench/cpu_sample.h"
#include "tools/bench/xmpp_fleet.h"

namespace parley::bench {
namespace {

bool Register(const Options& o, Loops& loops, const std::vector<std::string>& users) {
  XmppFleet fleet(o, loops, users, XmppSession::Goal::kRegister);
  const double seconds = fleet.Run(64, 300);
  if (!fleet.all_done()) {
    std::cerr << "parley-bench: registered " << fleet.done() << " of " << fleet.size()
              << " XMPP accounts in " << seconds << " s\n";
    loops.Stop();  // before the fleet goes: handshakes may still be under way
    return false;
  }
  // The registering sessions are closed; their io_context work is over
  // before the fleet goes.
  loops.RunOnAll([](std::size_t) {});
  return true;
}

// The server's RSS once it has stopped moving: ejabberd gives back its
// start-up memory over ~15 s (110 MB → 83 MB here), which would otherwise
// count against the sessions. Steady: within 0.2% for 3 s in a row, or 40 s.
std::int64_t SteadyRssKiB(pid_t pid) {
  std::int64_t last = RssKiB(pid);
  int steady_s = 0;
  for (int s = 0; s < 40 && steady_s < 3; ++s) {
    SleepS(1);
    const std::int64_t now = RssKiB(pid);
    steady_s = std::abs(now - last) * 500 <= last ? steady_s + 1 : 0;
    last = now;
  }
  return last;
}

struct InFlight {
  std::uint64_t stanza = 0;  // its number in the sender's SM count
  std::int64_t sent_ns = 0;
};

struct Sender {
  std::size_t session = 0;
  std::string to;  // the receiver's bare JID
  std::deque<InFlight> in_flight;
};

// The closed loop. Each sender and receiver lives on its session's loop;
// `stats` has one entry per loop.
class ChatLoad {
 public:
  ChatLoad(const Options& o, Loops& loops, XmppFleet& fleet)
      : o_(o), loops_(loops), fleet_(fleet), stats_(loops.size()) {
    for (int i = 0; i < o.pairs; ++i) {
      Sender s;
      s.session = static_cast<std::size_t>(i);
      s.to = UserName(o, "r", static_cast<std::size_t>(i)) + "@" + o.xmpp_domain;
      senders_.push_back(std::move(s));
    }
  }

  // Sets the handlers on each session's loop, then sends every window.
  void Start() {
    loops_.RunOnAll([this](std::size_t loop) {
      for (Sender& s : senders_) {
        if (fleet_.LoopOf(s.session) != loop) continue;
        fleet_.session(s.session).OnAcked([this, &s, loop](std::uint64_t h) { OnAck(s, loop, h); });
      }
      for (std::size_t r = senders_.size(); r < fleet_.size(); ++r) {
        if (fleet_.LoopOf(r) != loop) continue;
        fleet_.session(r).OnMessage(
            [this, loop](std::string_view body) { OnDelivery(loop, body); });
      }
    });
    loops_.RunOnAll([this](std::size_t loop) {
      for (Sender& s : senders_) {
        if (fleet_.LoopOf(s.session) != loop) continue;
        for (int w = 0; w < std::max(1, o_.window); ++w) SendOne(s, loop);
      }
    });
  }
  void set_recording(bool on) { recording_.store(on); }
  void Stop() { stopped_.store(true); }
  Stats Merged() const { return MergeStats(stats_); }

 private:
  void SendOne(Sender& s, std::size_t loop) {
    const std::int64_t t = NowNs();
    // The body carries its send time for the receiver: "<t_ns>.xxx…".
    std::string body = std::to_string(t);
    body += '.';
    if (body.size() < static_cast<std::size_t>(o_.size)) body.resize(o_.size, 'x');
    const std::uint64_t stanza = fleet_.session(s.session).SendChat(s.to, body);
    s.in_flight.push_back({stanza, t});
    ++stats_[loop].sent;
  }

  void OnAck(Sender& s, std::size_t loop, std::uint64_t handled) {
    Stats& st = stats_[loop];
    const std::int64_t now = NowNs();
    while (!s.in_flight.empty() && s.in_flight.front().stanza <= handled) {
      if (recording_.load(std::memory_order_relaxed)) {
        st.ack.Record(now - s.in_flight.front().sent_ns);
        ++st.acked;
      }
      s.in_flight.pop_front();
      if (!stopped_.load(std::memory_order_relaxed)) SendOne(s, loop);
    }
  }

  void OnDelivery(std::size_t loop, std::string_view body) {
    if (!recording_.load(std::memory_order_relaxed)) return;
    std::int64_t t = 0;
    const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), t);
    Stats& st = stats_[loop];
    if (ec != std::errc() || end == body.data() + body.size() || *end != '.') {
      ++st.errors;
      return;
    }
    st.delivery.Record(NowNs() - t);
    ++st.delivered;
  }

  const Options& o_;
  Loops& loops_;
  XmppFleet& fleet_;
  std::vector<Sender> senders_;
  std::vector<Stats> stats_;
  std::atomic<bool> recording_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace

int RunXmppChat(const Options& o) {
  std::vector<std::string> users;  // senders 0..P-1, then their receivers
  for (int i = 0; i < o.pairs; ++i) users.push_back(UserName(o, "s", static_cast<std::size_t>(i)));
  for (int i = 0; i < o.pairs; ++i) users.push_back(UserName(o, "r", static_cast<std::size_t>(i)));
  Loops loops(o.threads);
  if (!Register(o, loops, users)) return 1;
  XmppFleet fleet(o, loops, users, XmppSession::Goal::kChat);
  const double login_s = fleet.Run();
  if (!fleet.all_done()) {
    std::cerr << "parley-bench: " << fleet.done() << " of " << fleet.size()
              << " XMPP sessions ready after " << login_s << " s\n";
    loops.Stop();
    return 1;
  }
  ChatLoad load(o, loops, fleet);
  load.Start();
  SleepS(o.warmup_s);
  load.set_recording(true);
  const CpuSample cpu_before = SampleCpu(o.server_pid);
  const std::int64_t t0 = NowNs();
  SleepS(o.duration_s);
  load.set_recording(false);
  const double seconds = static_cast<double>(NowNs() - t0) / 1e9;
  const CpuSample cpu_after = SampleCpu(o.server_pid);
  load.Stop();
  SleepS(0.2);
  loops.Stop();

  const Stats s = load.Merged();
  const std::size_t broken = fleet.BrokenAfterReady();
  boost::json::object r = Throughput(s, seconds);
  r["cpu_us_per_message"] = CpuPerUnit(cpu_before, cpu_after, static_cast<double>(s.acked));
  r["broken_sessions"] = broken;
  r["login_seconds"] = login_s;
  char summary[400];
  std::snprintf(summary, sizeof summary,
                "xmpp-chat pairs=%d window=%d: acked %.0f/s delivered %.0f/s ack p50 %.3f p99 "
                "%.3f p99.9 %.3f ms; delivery p50 %.3f p99 %.3f ms; %zu sessions broke",
                o.pairs, o.window, s.acked / seconds, s.delivered / seconds,
                s.ack.Percentile(0.5) / 1e6, s.ack.Percentile(0.99) / 1e6,
                s.ack.Percentile(0.999) / 1e6, s.delivery.Percentile(0.5) / 1e6,
                s.delivery.Percentile(0.99) / 1e6, broken);
  Emit(o, r, summary);
  return s.acked > 0 && broken == 0 ? 0 : 1;
}

int RunXmppConnect(const Options& o) {
  std::vector<std::string> users;
  for (int i = 0; i < o.connections; ++i) {
    users.push_back(UserName(o, "i", static_cast<std::size_t>(i)));
  }
  Loops loops(o.threads);
  if (!Register(o, loops, users)) return 1;
  // The accounts exist before the baseline: what follows is the sessions' cost.
  const std::int64_t rss_before = SteadyRssKiB(o.server_pid);
  XmppFleet fleet(o, loops, users, XmppSession::Goal::kChat);
  const double seconds = fleet.Run(64, 300);
  SleepS(o.hold_s);
  const std::int64_t rss_after = RssKiB(o.server_pid);
  loops.Stop();
  const std::size_t ready = fleet.done();
  const std::size_t broken = fleet.BrokenAfterReady();
  const double per_session =
      ready == 0 ? 0.0 : static_cast<double>(rss_after - rss_before) * 1024.0 / ready;
  boost::json::object r{{"connections", ready},
                        {"failed", fleet.failed()},
                        {"processes", 1},
                        {"connect_seconds", seconds},
                        {"connects_per_s", ready / std::max(seconds, 1e-9)},
                        {"server_rss_before_kib", rss_before},
                        {"server_rss_after_kib", rss_after},
                        {"server_bytes_per_connection", per_session},
                        {"closed_during_hold", broken}};
  char summary[400];
  std::snprintf(summary, sizeof summary,
                "xmpp-connect: %zu sessions ready (%zu failed) in %.2f s = %.0f/s; server RSS "
                "%lld -> %lld KiB = %.0f bytes/session; %zu broke during hold",
                ready, fleet.failed(), seconds, ready / std::max(seconds, 1e-9),
                static_cast<long long>(rss_before), static_cast<long long>(rss_after), per_session,
                broken);
  Emit(o, r, summary);
  return fleet.all_done() && broken == 0 ? 0 : 1;
}

}  // namespace parley::bench
