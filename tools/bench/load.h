#pragma once
// Drives CHAT traffic from some connections of a Fleet and measures acks
// (at the senders) and pushes (at every connection).
//
// Closed loop (rate == 0): each sender keeps `window` messages in flight and
// sends the next when one is acked. Open loop (rate > 0): each loop's ticker
// sends on schedule whatever the acks do, and latency counts from the
// scheduled time, so a stalled server is not hidden (no coordinated omission).
//
// Thread contract: OnPacket runs on the connection's loop (the Fleet handler);
// Start/StartRecording/StopRecording/Stop from the main thread.

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/bench.h"

namespace parley::bench {

struct SenderSpec {
  std::size_t conn = 0;
  std::string to_field;  // "to" or "conversation_id"
  std::string to_value;
  std::uint64_t max_messages = 0;  // 0: unbounded
  std::string media_id{};          // images_pct: the image its image messages cite
};

class Load {
 public:
  Load(const Options& o, Loops& loops, Fleet& fleet, std::vector<SenderSpec> senders);
  ~Load();

  void OnPacket(std::size_t conn, std::uint16_t cmd, std::string_view body);
  void Start();
  void StartRecording() { recording_.store(true); }
  void StopRecording() { recording_.store(false); }
  void Stop() { stop_.store(true); }
  // Acked messages (all, recording or not), for waiting on bounded runs.
  std::uint64_t total_acked() const { return total_acked_.load(); }
  // Stats merged over the loops; call after the loops stopped.
  Stats Merged() const;

 private:
  struct SenderState {
    SenderSpec spec;
    std::uint64_t sent = 0;
    std::int64_t last_text_seq = 0;  // the target of its next reaction (0: none yet)
    std::uint64_t reactions = 0;     // odd ones take the reaction back
  };
  // What the sender's next message is (Options::events_pct, images_pct).
  ChatKind NextKind(SenderState& s) const;
  struct Ticker;
  void SendOne(SenderState& s, std::int64_t stamp_ns);
  void Tick(std::size_t loop);

  const Options& o_;
  Loops& loops_;
  Fleet& fleet_;
  std::string content_;
  std::vector<SenderState> senders_;
  std::vector<int> sender_of_conn_;  // -1: not a sender
  std::vector<Stats> stats_;         // per loop
  std::vector<std::unique_ptr<Ticker>> tickers_;
  std::atomic<bool> recording_{false};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> total_acked_{0};
};

}  // namespace parley::bench
