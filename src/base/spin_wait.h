#pragma once
// SpinWait: spin briefly before blocking, for a thread that waits for work
// handed over by another thread — an I/O thread waiting for a store
// completion, the store's writer thread waiting for the next write.
//
// Why: blocking and being woken again costs tens of microseconds per hand-off
// (a futex or eventfd wake, the IPI to the sleeping CPU and, on a VM, the exit
// from the guest's halt), a large share of a 0.3 ms send->ack for a client
// that sends one message at a time. A thread that spins meanwhile takes the
// work within a microsecond or two.
//
// A spin costs CPU, so it is bounded (`limit`) and taken only when it pays:
//  - only when the previous wait ended with work within `limit`, i.e. when a
//    spin would have caught it: an idle or lightly loaded server blocks at
//    once and burns nothing;
//  - it yields the CPU at every turn, and gives up as soon as a yield took
//    long (another thread ran meanwhile): on a busy machine the spin would
//    only steal CPU from useful work, and there the hand-off finds the
//    thread awake anyway.
//
// Threads: one SpinWait per waiting thread, used only by it.

#include <chrono>
#include <thread>

namespace parley::base {

class SpinWait {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SpinWait(Clock::duration limit) : limit_(limit) {}

  // Call when the thread runs out of work, before it blocks. Spins (if worth
  // it) until `ready()` returns true and returns true, or returns false: then
  // the caller blocks. Starts the wait that Done ends.
  template <class Ready>
  bool Spin(Ready&& ready) {
    start_ = Clock::now();
    if (!spin_next_) return false;
    const auto deadline = start_ + limit_;
    while (!ready()) {
      const auto before = Clock::now();
      if (before >= deadline) return false;
      std::this_thread::yield();
      if (Clock::now() - before > kContended) return ready();
    }
    return true;
  }

  // Call when the wait begun by Spin is over (spun or blocked); `work`: it
  // ended because work arrived (not a timeout).
  void Done(bool work) { spin_next_ = work && Clock::now() - start_ < limit_; }

 private:
  // A yield with nothing else runnable returns in about a microsecond.
  static constexpr auto kContended = std::chrono::microseconds(10);

  const Clock::duration limit_;
  Clock::time_point start_;
  bool spin_next_ = true;
};

}  // namespace parley::base
