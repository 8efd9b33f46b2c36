#include "store/rocks/group_commit_writer.h"

#include <rocksdb/options.h>

#include <algorithm>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

void CountWritten(base::Metrics& metrics, const AppendOp& op) {
  base::Bump(op.result->duplicate ? metrics.messages_duplicate_total
                                  : metrics.messages_stored_total);
}
void CountWritten(base::Metrics&, const CreateUserOp&) {}

}  // namespace

GroupCommitWriter::GroupCommitWriter(RocksDb& db, SeqCounters& counters, GroupRegistry& groups,
                                     base::Metrics& metrics, const RocksOptions& options)
    : db_(db),
      metrics_(metrics),
      max_pending_(options.max_pending_writes),
      max_batch_(options.max_batch_writes),
      stager_(db, counters, groups, options),
      sweeper_(db, options),
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
    }
  }
  if (!refusal) {
    wake_.notify_one();
    return;
  }
  std::visit(
      [&](auto& o) { std::move(o.done)(base::MakeError(base::Code::kUnavailable, refusal)); }, op);
}

void GroupCommitWriter::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitWriter::Run() {
  std::vector<AnyWriteOp> ops;
  bool sweep_under_way = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      const auto idle = sweep_under_way ? std::chrono::milliseconds(0) : sweeper_.interval();
      wake_.wait_for(lock, idle, [&] { return closing_ || !queue_.empty(); });
      if (closing_ && queue_.empty()) return;  // drained
    }
    TakeBatch(ops);
    if (!ops.empty()) {
      Commit(ops);
      ops.clear();
    }
    sweep_under_way = sweeper_.Step();
  }
}

void GroupCommitWriter::TakeBatch(std::vector<AnyWriteOp>& ops) {
  std::lock_guard pause(pause_mu_);
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(queue_.size(), max_batch_);
  for (std::size_t i = 0; i < n; ++i) {
    ops.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void GroupCommitWriter::Commit(std::vector<AnyWriteOp>& ops) {
  for (auto& op : ops) std::visit([&](auto& o) { stager_.Stage(o); }, op);

  rocksdb::Status status;
  if (!stager_.empty()) {
    rocksdb::WriteOptions options;
    options.sync = true;  // durable before any caller hears of it
    status = db_.db().Write(options, stager_.Seal());
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
          if (o.result) CountWritten(metrics_, o);
          std::move(o.done)(std::move(o.result));
        },
        op);
  }
}

}  // namespace parley::store
