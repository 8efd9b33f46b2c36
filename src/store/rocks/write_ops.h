#pragma once
// The writes that go through the group-commit writer, and how their callers
// are told the outcome.
//
// A caller's coroutine hands its completion handler and its executor to the
// writer thread. The handler is resumed on that executor (the caller's
// io_context), never on the writer thread.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <utility>
#include <variant>

#include "base/error.h"
#include "core/store.h"

namespace parley::store {

namespace asio = boost::asio;

template <class T>
using Handler = asio::any_completion_handler<void(base::Result<T>)>;

// Owns a caller's handler until the writer has its result, and the caller's
// executor, tracked so that the caller's io_context::run() does not return
// while the write is queued. Completes exactly once, from any thread, always
// by posting: never inline, even when refused at once inside the initiation.
template <class T>
class Completion {
 public:
  Completion(Handler<T> handler, const asio::any_io_executor& executor)
      : work_(asio::prefer(executor, asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  void operator()(base::Result<T> result) && {
    asio::post(work_, [handler = std::move(handler_), result = std::move(result)]() mutable {
      std::move(handler)(std::move(result));
    });
  }

 private:
  asio::any_io_executor work_;
  Handler<T> handler_;
};

// One queued write. `result` is filled by the writer while it builds the
// batch, then overridden by the batch's error if the write fails.
template <class Request, class T>
struct WriteOp {
  WriteOp(Request r, Handler<T> handler, const asio::any_io_executor& executor)
      : request(std::move(r)), done(std::move(handler), executor) {}

  Request request;
  Completion<T> done;
  base::Result<T> result = base::MakeError(base::Code::kInternal, "store: write not staged");
};

using AppendOp = WriteOp<core::AppendRequest, core::AppendResult>;
using CreateUserOp = WriteOp<core::UserRecord, void>;
using AnyWriteOp = std::variant<AppendOp, CreateUserOp>;

}  // namespace parley::store
