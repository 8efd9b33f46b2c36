#include "store/rocks/group_commit_writer.h"

#include <rocksdb/options.h>

#include <algorithm>
#include <chrono>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

using Clock = std::chrono::steady_clock;

// Covers the round trip from a completion to the same client's next write: the
// I/O thread sends the ack, the client answers with its next message, the
// I/O thread reads and submits it (0.05–0.15 ms on loopback).
constexpr auto kWriterSpin = std::chrono::microseconds(200);

}  // namespace

GroupCommitWriter::GroupCommitWriter(RocksDb& db, SeqCounters& counters, GroupRegistry& groups,
                                     RocksOutbox& outbox, base::Metrics& metrics,
                                     const RocksOptions& options)
    : db_(db),
      metrics_(metrics),
      max_pending_(options.max_pending_writes),
      max_batch_(options.max_batch_writes),
      stager_(db, counters, groups, outbox, options),
      sweeper_(db, options),
      spin_(kWriterSpin),
      thread_([this] { Run(); }) {}

GroupCommitWriter::~GroupCommitWriter() { Close(); }

void GroupCommitWriter::Submit(AnyWriteOp op) {
  const char* refusal = nullptr;
  {
    std::lock_guard lock(mu_);
    if (closing_) {
      refusal = "store closed";
    } else if (queue_.size() >= max_pending_) {
      refusal = "store overloaded";
    } else {
      queue_.push_back(std::move(op));
      work_ready_.store(true, std::memory_order_release);
      // Under the lock: once it is released, Close() and the destructor may
      // run to the end on another thread, and wake_ be gone (ThreadSanitizer).
      wake_.notify_one();
    }
  }
  if (!refusal) return;
  std::visit(
      [&](auto& o) { std::move(o.done)(base::MakeError(base::Code::kUnavailable, refusal)); }, op);
}

void GroupCommitWriter::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    work_ready_.store(true, std::memory_order_release);
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitWriter::Run() {
  std::vector<AnyWriteOp> ops;
  bool sweep_under_way = false;
  for (;;) {
    const Clock::duration idle =
        sweep_under_way ? Clock::duration::zero() : Clock::duration(sweeper_.interval());
    if (!WaitForWork(idle)) return;  // closed and drained
    TakeBatch(ops);
    if (!ops.empty()) {
      Commit(ops);
      ops.clear();
    }
    sweep_under_way = sweeper_.Step();
  }
}

bool GroupCommitWriter::WaitForWork(Clock::duration timeout) {
  // Not while a sweep is under way (timeout 0): the writer has work of its own.
  const bool may_spin = timeout > Clock::duration::zero();
  if (may_spin) spin_.Spin([&] { return work_ready_.load(std::memory_order_acquire); });
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, timeout, [&] { return closing_ || !queue_.empty(); });
  if (may_spin) spin_.Done(!queue_.empty());
  return !(closing_ && queue_.empty());
}

void GroupCommitWriter::TakeBatch(std::vector<AnyWriteOp>& ops) {
  std::lock_guard pause(pause_mu_);
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(queue_.size(), max_batch_);
  for (std::size_t i = 0; i < n; ++i) {
    ops.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  work_ready_.store(closing_ || !queue_.empty(), std::memory_order_relaxed);
}

void GroupCommitWriter::Commit(std::vector<AnyWriteOp>& ops) {
  for (auto& op : ops) std::visit([&](auto& o) { stager_.Stage(o); }, op);

  rocksdb::Status status;
  if (!stager_.empty()) {
    rocksdb::WriteOptions options;
    options.sync = true;  // durable before any caller hears of it
    rocksdb::WriteBatch* batch = stager_.Seal();
    const auto started = std::chrono::steady_clock::now();
    status = db_.db().Write(options, batch);
    metrics_.store_commit_seconds.ObserveMicrosSince(started);
    metrics_.store_batch_size.Observe(ops.size());
    base::Bump(metrics_.store_batches_total);
  }
  stager_.Finish(status.ok());

  // One post per I/O thread for the whole batch (base/completion.h).
  base::CompletionBatch completions;
  for (auto& op : ops) {
    std::visit(
        [&](auto& o) {
          // A write refused on its own (bad id, taken user id) keeps its error.
          if (o.result && !status.ok()) o.result = StatusToError(status, "commit batch");
          std::move(o.done)(std::move(o.result));
        },
        op);
  }
}

}  // namespace parley::store
