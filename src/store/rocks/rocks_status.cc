#include "store/rocks/rocks_status.h"

#include <string>

namespace parley::store {

base::Error StatusToError(const rocksdb::Status& status, std::string_view what) {
  const bool transient = status.IsIOError() || status.IsBusy() || status.IsTimedOut() ||
                         status.IsTryAgain() || status.IsShutdownInProgress() ||
                         status.IsAborted() || status.IsIncomplete();
  std::string message = "store: ";
  message.append(what).append(": ").append(status.ToString());
  return base::MakeError(transient ? base::Code::kUnavailable : base::Code::kInternal,
                         std::move(message));
}

}  // namespace parley::store
