#pragma once
// Script: a Lua script run with EVALSHA. It is loaded (SCRIPT LOAD) on first
// use, and loaded again when Redis answers NOSCRIPT (a restarted or flushed
// server forgets scripts), then the call is retried once.
//
// Thread contract: Run may be called from any thread, concurrently; the SHA
// is shared under a mutex. Two first callers may both load: harmless, SCRIPT
// LOAD is idempotent.

#include <boost/asio/awaitable.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "base/error.h"
#include "redis/reply.h"

namespace parley::redis {

namespace asio = boost::asio;

class Client;
class Connection;

class Script {
 public:
  explicit Script(std::string source);

  // EVALSHA sha len(keys) keys... args... A Lua error comes back as a
  // Reply::Error, like any command's.
  boost::asio::awaitable<base::Result<Reply>> Run(Client& redis, std::vector<std::string> keys,
                                                  std::vector<std::string> args);
  boost::asio::awaitable<base::Result<Reply>> Run(Connection& redis, std::vector<std::string> keys,
                                                  std::vector<std::string> args);

  const std::string& source() const { return source_; }

 private:
  template <class Redis>
  boost::asio::awaitable<base::Result<Reply>> RunOn(Redis& redis, std::vector<std::string> keys,
                                                    std::vector<std::string> args);
  template <class Redis>
  boost::asio::awaitable<base::Result<std::string>> Load(Redis& redis);

  const std::string source_;
  std::mutex mu_;
  std::string sha_;  // guarded by mu_; empty until loaded
};

}  // namespace parley::redis
