#include "tools/bench/xmpp_fleet.h"

#include <iostream>

namespace parley::bench {

XmppFleet::XmppFleet(const Options& o, Loops& loops, const std::vector<std::string>& users,
                     XmppSession::Goal goal)
    : loops_(loops), handshakes_(loops) {
  const int sources = std::max(1, std::min(o.sources, 250));
  for (std::size_t i = 0; i < users.size(); ++i) {
    Target t;
    t.host = o.host;
    t.port = o.xmpp_port;
    t.source = asio::ip::address_v4((127u << 24) | static_cast<unsigned>(1 + i % sources));
    XmppAccount account{users[i], std::string(kXmppPassword), o.xmpp_domain};
    sessions_.push_back(
        std::make_unique<XmppSession>(loops_.at(LoopOf(i)), t, std::move(account), goal));
    handshakes_.Add(i);
  }
}

double XmppFleet::Run(int max_in_flight, double timeout_s) {
  return handshakes_.Run(max_in_flight, timeout_s,
                         [this](std::size_t i, std::size_t loop) { StartSession(i, loop); });
}

void XmppFleet::StartSession(std::size_t i, std::size_t loop) {
  sessions_[i]->Start([this, i, loop](XmppSession::State s) {
    if (s == XmppSession::State::kDone) {
      ++done_;
    } else {
      ++failed_;
      if (!reported_.exchange(true)) {
        std::cerr << "parley-bench: xmpp session failed at " << sessions_[i]->error() << "\n";
      }
    }
    handshakes_.Ended(loop);
  });
}

std::size_t XmppFleet::BrokenAfterReady() const {
  std::size_t n = 0;
  for (const auto& s : sessions_) {
    if (s->state() == XmppSession::State::kFailed) ++n;
  }
  return n - std::min(n, failed());
}

}  // namespace parley::bench
