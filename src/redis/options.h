#pragma once
// Settings of a Redis connection, client or subscriber. The defaults follow
// docs/design.md "Backend outages": never hang, answer 503 quickly while Redis is away.

#include <chrono>
#include <cstddef>
#include <string>

#include "base/dependency_health.h"

namespace parley::redis {

struct Options {
  // TCP connect (resolve included) and the AUTH that follows.
  std::chrono::milliseconds connect_timeout{1000};
  // A command not answered within this is answered 503 "redis timeout", and
  // the connection is dropped: with pipelining every later reply is stuck
  // behind it, so an unresponsive server is treated as a lost one.
  std::chrono::milliseconds command_timeout{1000};
  // Reconnect backoff of Client and Subscriber: first retry after
  // reconnect_min, doubling up to reconnect_max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  // Commands queued or awaiting a reply on one connection; beyond, new
  // commands are answered 503 "redis overloaded" (no unbounded queue).
  std::size_t max_in_flight = 100000;
  // Sent as AUTH after connecting when not empty.
  std::string password;
  // When set (it must outlive the client): a Client reports its connection
  // losses and reconnects as Dependency::kRedis, a Subscriber as
  // kRedisPubsub (docs/design.md "Backend outages").
  base::DependencyHealth* health = nullptr;
};

}  // namespace parley::redis
