#pragma once
// The writes that go through the group-commit writer, and how their callers
// are told the outcome.
//
// A caller's coroutine hands its completion (base/completion.h) to the
// writer thread, which resumes it on the caller's executor, never on the
// writer thread.

#include <utility>
#include <variant>

#include "base/completion.h"
#include "base/error.h"
#include "core/store.h"

namespace parley::store {

// One queued write. `request` stays with the caller, suspended in
// SubmitWrite until the write completes: the writer only reads it, so its
// memory is freed by the thread that allocated it. (When the writer freed
// requests, tcmalloc moved memory from the writer's cache back to the I/O
// threads' on every message: a fifth of the CPU when clients outran the
// store.) `result` is filled by the writer while it builds the batch, then
// overridden by the batch's error if the write fails.
template <class Request, class T>
struct WriteOp {
  WriteOp(const Request& r, base::Completion<T> completion)
      : request(&r), done(std::move(completion)) {}

  const Request* request;
  base::Completion<T> done;
  base::Result<T> result = base::MakeError(base::Code::kInternal, "store: write not staged");
};

using AppendOp = WriteOp<core::AppendRequest, core::AppendResult>;
using CreateUserOp = WriteOp<core::UserRecord, void>;
using UpdateUserOp = WriteOp<core::UserUpdate, core::UserRecord>;
using AnyWriteOp = std::variant<AppendOp, CreateUserOp, UpdateUserOp>;

}  // namespace parley::store
