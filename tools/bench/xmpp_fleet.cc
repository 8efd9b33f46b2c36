#include "tools/bench/xmpp_fleet.h"

#include <chrono>
#include <iostream>

namespace parley::bench {

XmppFleet::XmppFleet(const Options& o, Loops& loops, const std::vector<std::string>& users,
                     XmppSession::Goal goal)
    : loops_(loops), queues_(loops.size()) {
  const int sources = std::max(1, std::min(o.sources, 250));
  for (std::size_t i = 0; i < users.size(); ++i) {
    Target t;
    t.host = o.host;
    t.port = o.xmpp_port;
    t.source = asio::ip::address_v4((127u << 24) | static_cast<unsigned>(1 + i % sources));
    XmppAccount account{users[i], std::string(kXmppPassword), o.xmpp_domain};
    sessions_.push_back(
        std::make_unique<XmppSession>(loops_.at(LoopOf(i)), t, std::move(account), goal));
    queues_[LoopOf(i)].todo.push_back(i);
  }
}

double XmppFleet::Run(int max_in_flight, double timeout_s) {
  max_in_flight_ = max_in_flight;
  const std::int64_t start = NowNs();
  for (std::size_t l = 0; l < loops_.size(); ++l) loops_.Post(l, [this, l] { StartMore(l); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (done_.load() + failed_.load() < sessions_.size() &&
         std::chrono::steady_clock::now() < deadline) {
    SleepS(0.001);
  }
  return static_cast<double>(NowNs() - start) / 1e9;
}

void XmppFleet::StartMore(std::size_t loop) {
  LoopQueue& q = queues_[loop];
  while (q.in_flight < max_in_flight_ && q.next < q.todo.size()) {
    const std::size_t i = q.todo[q.next++];
    ++q.in_flight;
    sessions_[i]->Start([this, i, loop](XmppSession::State s) {
      if (s == XmppSession::State::kDone) {
        ++done_;
      } else {
        ++failed_;
        if (!reported_.exchange(true)) {
          std::cerr << "parley-bench: xmpp session failed at " << sessions_[i]->error() << "\n";
        }
      }
      --queues_[loop].in_flight;
      StartMore(loop);
    });
  }
}

std::size_t XmppFleet::BrokenAfterReady() const {
  std::size_t n = 0;
  for (const auto& s : sessions_) {
    if (s->state() == XmppSession::State::kFailed) ++n;
  }
  return n - std::min(n, failed());
}

}  // namespace parley::bench
