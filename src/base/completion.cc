#include "base/completion.h"

namespace parley::base {
namespace {

thread_local CompletionBatch* current_batch = nullptr;

}  // namespace

CompletionBatch::CompletionBatch() : outer_(current_batch) {
  if (!outer_) current_batch = this;
}

CompletionBatch::~CompletionBatch() {
  if (outer_) return;  // the outer batch posts everything
  current_batch = nullptr;
  for (Group& group : groups_) {
    asio::post(group.executor, [fns = std::move(group.fns)]() mutable {
      for (auto& fn : fns) std::move(fn)();
    });
  }
}

CompletionBatch* CompletionBatch::Current() { return current_batch; }

void CompletionBatch::Add(asio::any_io_executor executor, asio::any_completion_handler<void()> fn) {
  for (Group& group : groups_) {
    if (group.executor == executor) {
      group.fns.push_back(std::move(fn));
      return;
    }
  }
  groups_.push_back(Group{std::move(executor), {}});
  groups_.back().fns.push_back(std::move(fn));
}

}  // namespace parley::base
