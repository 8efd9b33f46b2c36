#pragma once
// Group commit: one writer thread serves every Append and CreateUser. It takes
// all writes queued meanwhile (up to max_batch_writes), stages them into one
// WriteBatch (BatchStager), writes it with sync=true — one fsync for the whole
// batch — and only then publishes the new seqs and completes every caller.
//
// Ordering and durability: a single writer assigns seqs in queue order, and a
// seq becomes visible through MaxSeq only after the batch holding it (and
// every earlier seq) is synced. A failed write fails every write of its batch
// and publishes nothing, so seqs stay dense.
//
// Between batches (and when idle, once per sweep interval) the same thread
// sweeps expired inbox entries in bounded steps (InboxSweeper), so sweeping
// needs no lock against the writes and delays a batch by one step at most.
//
// Latency: when the queue is empty the writer spins for a short, bounded
// while before it sleeps on the condition variable (base::SpinWait), so the
// next write of a client that sends one message at a time is taken at once
// instead of paying a futex wake and the wake-up of an idle (virtual) CPU.
//
// Backpressure: the queue holds at most max_pending_writes; beyond that, and
// after Close, a write completes at once with 503.
//
// Threads: Submit from any thread; completions run on each caller's executor.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "base/spin_wait.h"
#include "store/rocks/batch_stager.h"
#include "store/rocks/inbox_sweeper.h"
#include "store/rocks/rocks_options.h"
#include "store/rocks/write_ops.h"

namespace parley::store {

class GroupCommitWriter {
 public:
  GroupCommitWriter(RocksDb& db, SeqCounters& counters, GroupRegistry& groups,
                    RocksOutbox& outbox, base::Metrics& metrics, const RocksOptions& options);
  ~GroupCommitWriter();  // Close()
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  void Submit(AnyWriteOp op);

  // Refuses new writes, writes and completes everything queued, joins the
  // writer thread. Blocks. Idempotent.
  void Close();

  // While the returned lock is held the writer takes no batch, so a test can
  // queue writes that will all land in the same batch.
  std::unique_lock<std::mutex> PauseForTest() { return std::unique_lock(pause_mu_); }

 private:
  void Run();
  // Waits until work is queued, Close was called or `timeout` passed,
  // spinning first if worth it. Returns false once closed with nothing left
  // to write.
  bool WaitForWork(std::chrono::steady_clock::duration timeout);
  void TakeBatch(std::vector<AnyWriteOp>& ops);
  void Commit(std::vector<AnyWriteOp>& ops);

  RocksDb& db_;
  base::Metrics& metrics_;
  const std::size_t max_pending_;
  const std::size_t max_batch_;
  BatchStager stager_;    // writer thread only
  InboxSweeper sweeper_;  // writer thread only
  base::SpinWait spin_;   // writer thread only

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<AnyWriteOp> queue_;  // guarded by mu_
  bool closing_ = false;          // guarded by mu_
  // !queue_.empty() || closing_, written under mu_: the writer spins on it
  // without taking mu_ (which would slow down every Submit).
  std::atomic<bool> work_ready_{false};
  std::mutex pause_mu_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace parley::store
