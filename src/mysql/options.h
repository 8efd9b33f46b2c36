#pragma once
// Settings of a MySQL/MariaDB pool. The defaults follow docs/design.md "Backend
// outages": small timeouts, so that a query answers 503 quickly while the
// server is away instead of hanging.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "base/histogram.h"

namespace parley::mysql {

struct Options {
  // "localhost" makes Connector/C use its Unix socket; say 127.0.0.1 for TCP.
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
  std::string user;
  std::string password;
  std::string database;
  // Worker threads, one connection each.
  std::size_t threads = 4;
  // Connector/C takes whole seconds.
  std::chrono::seconds connect_timeout{1};
  std::chrono::seconds read_timeout{2};
  std::chrono::seconds write_timeout{2};
  // Queries waiting for a worker; beyond, 503 "mysql overloaded".
  std::size_t max_queue = 10000;
  // After a failed (re)connect a worker answers 503 without trying again
  // until the backoff has passed: reconnect_min doubling to reconnect_max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  // When set (it must outlive the pool): observes how long each
  // Transaction took on its worker, BEGIN to COMMIT, in microseconds.
  base::Histogram* transaction_micros = nullptr;
};

// Parses `mysql://user:password@host:port/database` (user and password
// percent-decoded; port defaults to 3306) into options with the other fields
// at their defaults. Optional query parameters: threads, connect_timeout,
// read_timeout, write_timeout (seconds). 400 on a malformed URL.
base::Result<Options> ParseUrl(std::string_view url);

}  // namespace parley::mysql
