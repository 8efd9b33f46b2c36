#pragma once
// A blocking, pipelined Redis connection for a command-line tool (hiredis's
// synchronous API): commands are queued and their replies read in batches,
// so a bulk load costs a round trip per batch, not per command. The server
// itself uses the asynchronous client in redis/.
//
// Threads: one thread at a time.
// Errors: 503 when Redis is unreachable, 500 for an error reply (with its text).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"

struct redisContext;

namespace parley::migrate {

class RedisPipe {
 public:
  static base::Result<std::unique_ptr<RedisPipe>> Connect(const std::string& host_port);
  ~RedisPipe();
  RedisPipe(const RedisPipe&) = delete;
  RedisPipe& operator=(const RedisPipe&) = delete;

  // Queues a command; sends and checks the queue when it is full.
  base::Result<void> Add(const std::vector<std::string>& argv);
  // Sends what is queued and checks every reply.
  base::Result<void> Flush();
  // Runs one command at once (after the queue) and returns its reply as text:
  // a string or an integer; "" for nil.
  base::Result<std::string> Query(const std::vector<std::string>& argv);

 private:
  explicit RedisPipe(redisContext* context) : context_(context) {}
  base::Result<void> Append(const std::vector<std::string>& argv);

  static constexpr std::size_t kMaxQueued = 512;
  redisContext* context_;
  std::size_t queued_ = 0;
};

}  // namespace parley::migrate
