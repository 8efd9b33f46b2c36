#pragma once
// XMPP sessions for many accounts, spread round-robin over the loops and the
// source addresses, their handshakes (registration, or login up to ready)
// run at most `max_in_flight` per loop at a time (HandshakeQueue): the XMPP
// counterpart of Fleet (bench.h).
//
// Thread contract: the constructor, Run and the accessors run on the calling
// thread; the sessions live on the loops. Read a session's state only after
// Run returned (handshakes) or the loops stopped.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/bench.h"
#include "tools/bench/xmpp_session.h"

namespace parley::bench {

class XmppFleet {
 public:
  XmppFleet(const Options& o, Loops& loops, const std::vector<std::string>& users,
            XmppSession::Goal goal);

  // Starts every handshake and waits until all ended or `timeout_s` passed.
  // Returns the seconds it took; prints the first failure on stderr.
  double Run(int max_in_flight = 64, double timeout_s = 120);
  std::size_t done() const { return done_.load(); }
  std::size_t failed() const { return failed_.load(); }
  std::size_t size() const { return sessions_.size(); }
  bool all_done() const { return done() == size(); }

  std::size_t LoopOf(std::size_t i) const { return i % loops_.size(); }
  XmppSession& session(std::size_t i) { return *sessions_[i]; }
  // Sessions that failed after they were ready (read once the loops stopped).
  std::size_t BrokenAfterReady() const;

 private:
  void StartSession(std::size_t i, std::size_t loop);

  Loops& loops_;
  std::vector<std::unique_ptr<XmppSession>> sessions_;
  HandshakeQueue handshakes_;
  std::atomic<std::size_t> done_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<bool> reported_{false};
};

// The password every bench account gets.
inline constexpr std::string_view kXmppPassword = "bench-pw-1";

}  // namespace parley::bench
