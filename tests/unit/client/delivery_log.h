#pragma once
// Test helper: records what a client's push handler delivers, for the test
// thread to wait on and inspect. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/message.h"

namespace parley::client::testing {

class DeliveryLog {
 public:
  void Add(const protocol::Message& m) {
    std::lock_guard lock(mu_);
    all_.push_back(m);
    cv_.notify_all();
  }

  // The seqs delivered so far, in delivery order, once at least `n` messages
  // arrived in total (or after a generous timeout).
  std::vector<std::int64_t> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return all_.size() >= n; });
    std::vector<std::int64_t> seqs;
    for (const auto& m : all_) seqs.push_back(m.seq);
    return seqs;
  }

  // Seqs delivered in one conversation, in delivery order.
  std::vector<std::int64_t> Seqs(const std::string& conversation_id) {
    std::lock_guard lock(mu_);
    std::vector<std::int64_t> out;
    for (const auto& m : all_) {
      if (m.conversation_id == conversation_id) out.push_back(m.seq);
    }
    return out;
  }

  std::vector<protocol::Message> Messages() {
    std::lock_guard lock(mu_);
    return all_;
  }

  std::size_t size() {
    std::lock_guard lock(mu_);
    return all_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::Message> all_;
};

// 1, 2, ..., n: what a conversation of n messages delivers.
inline std::vector<std::int64_t> OneTo(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t s = 1; s <= n; ++s) out.push_back(s);
  return out;
}

}  // namespace parley::client::testing
