// connect: N idle, logged-in connections that heartbeat every 30 s; server
// RSS per connection and connect rate. Connections beyond max_per_process go
// to further processes (forked before any thread starts), so no process
// passes the 20,000 open-file cap.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "tools/bench/bench.h"

namespace parley::bench {
namespace {

struct ChildReport {
  std::size_t logged_in = 0;
  std::size_t failed = 0;
  double seconds = 0;
  std::size_t closed = 0;
};

// Every second each loop heartbeats the 1/30 of its connections whose turn it is.
class Heartbeats {
 public:
  Heartbeats(Loops& loops, Fleet& fleet) : loops_(loops), fleet_(fleet) {
    for (std::size_t l = 0; l < loops.size(); ++l) timers_.push_back(std::make_unique<asio::steady_timer>(loops.at(l)));
    for (std::size_t l = 0; l < loops.size(); ++l) loops.Post(l, [this, l] { Arm(l, 0); });
  }

 private:
  void Arm(std::size_t loop, std::size_t tick) {
    timers_[loop]->expires_after(std::chrono::seconds(1));
    timers_[loop]->async_wait([this, loop, tick](auto ec) {
      if (ec) return;
      for (std::size_t i = loop; i < fleet_.size(); i += loops_.size()) {
        if ((i / loops_.size()) % 30 == tick % 30) fleet_.conn(i).Send(0, R"({"cmd":0})");
      }
      Arm(loop, tick + 1);
    });
  }
  Loops& loops_;
  Fleet& fleet_;
  std::vector<std::unique_ptr<asio::steady_timer>> timers_;
};

int Child(const Options& o, std::size_t begin, std::size_t count, int report_fd, int control_fd) {
  std::vector<std::string> users;
  for (std::size_t i = 0; i < count; ++i) users.push_back(UserName(o, "i", begin + i));
  Loops loops(o.threads);
  Fleet fleet(o, loops, users);
  const double seconds = fleet.ConnectAll(128, 300);
  Heartbeats beats(loops, fleet);
  const std::string line = std::to_string(fleet.logged_in()) + " " + std::to_string(fleet.failed()) +
                           " " + std::to_string(seconds) + "\n";
  (void)!::write(report_fd, line.data(), line.size());
  char c;
  while (::read(control_fd, &c, 1) > 0) {
  }
  const std::string closed = std::to_string(fleet.closed()) + "\n";
  (void)!::write(report_fd, closed.data(), closed.size());
  loops.Stop();
  return 0;
}

}  // namespace

int RunConnect(const Options& o) {
  const auto n = static_cast<std::size_t>(o.connections);
  const std::size_t per = static_cast<std::size_t>(std::max(1, o.max_per_process));
  const std::size_t procs = (n + per - 1) / per;
  const std::int64_t rss_before = RssKiB(o.server_pid);
  struct ChildProc {
    pid_t pid;
    FILE* report;
    int control;
  };
  std::vector<ChildProc> children;
  for (std::size_t p = 0; p < procs; ++p) {
    const std::size_t begin = p * n / procs;
    const std::size_t end = (p + 1) * n / procs;
    int report[2], control[2];
    if (::pipe(report) != 0 || ::pipe(control) != 0) return 1;
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      ::close(report[0]);
      ::close(control[1]);
      for (const ChildProc& c : children) ::close(c.control);  // siblings' pipes
      ::_exit(Child(o, begin, end - begin, report[1], control[0]));
    }
    ::close(report[1]);
    ::close(control[0]);
    children.push_back({pid, ::fdopen(report[0], "r"), control[1]});
  }
  ChildReport total;
  for (ChildProc& c : children) {
    ChildReport r;
    if (std::fscanf(c.report, "%zu %zu %lf", &r.logged_in, &r.failed, &r.seconds) != 3) r.failed = 1;
    total.logged_in += r.logged_in;
    total.failed += r.failed;
    total.seconds = std::max(total.seconds, r.seconds);
  }
  // Let the server settle (and a round of heartbeats pass) before reading its RSS.
  SleepS(o.hold_s);
  const std::int64_t rss_after = RssKiB(o.server_pid);
  for (ChildProc& c : children) ::close(c.control);
  for (ChildProc& c : children) {
    std::size_t closed = 0;
    if (std::fscanf(c.report, "%zu", &closed) == 1) total.closed += closed;
    std::fclose(c.report);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
  }
  const double per_conn =
      total.logged_in == 0 ? 0.0 : static_cast<double>(rss_after - rss_before) * 1024.0 / total.logged_in;
  boost::json::object r{{"connections", total.logged_in},
                        {"failed", total.failed},
                        {"processes", procs},
                        {"connect_seconds", total.seconds},
                        {"connects_per_s", total.logged_in / std::max(total.seconds, 1e-9)},
                        {"server_rss_before_kib", rss_before},
                        {"server_rss_after_kib", rss_after},
                        {"server_bytes_per_connection", per_conn},
                        {"closed_during_hold", total.closed}};
  char summary[400];
  std::snprintf(summary, sizeof summary,
                "connect %s: %zu connections (%zu failed, %zu processes) in %.2f s = %.0f/s; "
                "server RSS %lld -> %lld KiB = %.0f bytes/connection; %zu closed during hold",
                TransportName(o), total.logged_in, total.failed, procs,
                total.seconds, total.logged_in / std::max(total.seconds, 1e-9),
                static_cast<long long>(rss_before), static_cast<long long>(rss_after), per_conn,
                total.closed);
  Emit(o, r, summary);
  return total.failed == 0 && total.closed == 0 && total.logged_in == n ? 0 : 1;
}

}  // namespace parley::bench
