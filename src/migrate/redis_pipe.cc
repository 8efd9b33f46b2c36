#include "migrate/redis_pipe.h"

#include <hiredis/hiredis.h>

#include "base/host_port.h"

namespace parley::migrate {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

base::Error Lost(redisContext* context) {
  return base::MakeError(base::Code::kUnavailable,
                         std::string("redis: ") + (context->err ? context->errstr : "no reply"));
}

}  // namespace

base::Result<std::unique_ptr<RedisPipe>> RedisPipe::Connect(const std::string& host_port) {
  PARLEY_ASSIGN_OR_RETURN(base::HostPort address, base::ParseRemoteHostPort(host_port));
  const timeval timeout{5, 0};
  redisContext* context = redisConnectWithTimeout(address.host.c_str(), address.port, timeout);
  if (context == nullptr) return base::MakeError(base::Code::kUnavailable, "redis: out of memory");
  if (context->err) {
    base::Error error = base::MakeError(
        base::Code::kUnavailable, "redis " + host_port + ": " + std::string(context->errstr));
    redisFree(context);
    return error;
  }
  redisSetTimeout(context, timeout);
  return std::unique_ptr<RedisPipe>(new RedisPipe(context));
}

RedisPipe::~RedisPipe() { redisFree(context_); }

base::Result<void> RedisPipe::Append(const std::vector<std::string>& argv) {
  std::vector<const char*> parts;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : argv) {
    parts.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  if (redisAppendCommandArgv(context_, static_cast<int>(parts.size()), parts.data(),
                             lengths.data()) != REDIS_OK) {
    return Lost(context_);
  }
  ++queued_;
  return {};
}

base::Result<void> RedisPipe::Add(const std::vector<std::string>& argv) {
  PARLEY_TRY(Append(argv));
  if (queued_ >= kMaxQueued) return Flush();
  return {};
}

base::Result<void> RedisPipe::Flush() {
  base::Result<void> outcome;
  for (; queued_ > 0; --queued_) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK) {
      queued_ = 0;
      return Lost(context_);
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    // Read every reply before answering, so the connection stays in step.
    if (reply->type == REDIS_REPLY_ERROR && outcome) {
      outcome = base::MakeError(base::Code::kInternal,
                                "redis: " + std::string(reply->str, reply->len));
    }
  }
  return outcome;
}

base::Result<std::string> RedisPipe::Query(const std::vector<std::string>& argv) {
  PARLEY_TRY(Append(argv));
  // Every queued reply but the last is checked by Flush; keep the last.
  const std::size_t before = queued_ - 1;
  queued_ = before;
  PARLEY_TRY(Flush());
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK) return Lost(context_);
  ReplyPtr reply(static_cast<redisReply*>(raw));
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: return std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER: return std::to_string(reply->integer);
    case REDIS_REPLY_NIL: return std::string();
    case REDIS_REPLY_ERROR:
      return base::MakeError(base::Code::kInternal,
                             "redis: " + std::string(reply->str, reply->len));
    default: return base::MakeError(base::Code::kInternal, "redis: unexpected reply");
  }
}

}  // namespace parley::migrate
