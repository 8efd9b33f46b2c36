#include "redis/script.h"

#include <utility>

#include "redis/client.h"
#include "redis/connection.h"

namespace parley::redis {
namespace {

bool IsNoScript(const Reply& reply) {
  return reply.IsError() && reply.str().rfind("NOSCRIPT", 0) == 0;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)) {}

asio::awaitable<base::Result<Reply>> Script::Run(Client& redis, std::vector<std::string> keys,
                                                 std::vector<std::string> args) {
  co_return co_await RunOn(redis, std::move(keys), std::move(args));
}

asio::awaitable<base::Result<Reply>> Script::Run(Connection& redis, std::vector<std::string> keys,
                                                 std::vector<std::string> args) {
  co_return co_await RunOn(redis, std::move(keys), std::move(args));
}

template <class Redis>
asio::awaitable<base::Result<std::string>> Script::Load(Redis& redis) {
  Args load = {"SCRIPT", "LOAD", source_};
  base::Result<Reply> reply = co_await redis.Command(std::move(load));
  if (!reply) co_return reply.error();
  base::Result<std::string> sha = reply->AsString();
  if (!sha) co_return sha.error();
  std::lock_guard lock(mu_);
  sha_ = *sha;
  co_return sha;
}

template <class Redis>
asio::awaitable<base::Result<Reply>> Script::RunOn(Redis& redis, std::vector<std::string> keys,
                                                   std::vector<std::string> args) {
  std::string sha;
  {
    std::lock_guard lock(mu_);
    sha = sha_;
  }
  if (sha.empty()) {
    base::Result<std::string> loaded = co_await Load(redis);
    if (!loaded) co_return loaded.error();
    sha = std::move(*loaded);
  }
  Args command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(sha);
  command.push_back(std::to_string(keys.size()));
  for (std::string& key : keys) command.push_back(std::move(key));
  for (std::string& arg : args) command.push_back(std::move(arg));

  Args first_try = command;
  base::Result<Reply> reply = co_await redis.Command(std::move(first_try));
  if (!reply || !IsNoScript(*reply)) co_return reply;
  base::Result<std::string> reloaded = co_await Load(redis);
  if (!reloaded) co_return reloaded.error();
  command[1] = std::move(*reloaded);
  co_return co_await redis.Command(std::move(command));
}

}  // namespace parley::redis
