#pragma once
// RedisMysqlStore on a redis-server and a mariadbd of its own (started on
// free ports, stopped on destruction), and optionally a second gateway on
// them. Used by the conformance suite and, through its members, by the
// cluster-only tests in tests/unit/store_cluster/.

#include <chrono>
#include <memory>

#include "base/metrics.h"
#include "integration/harness/mysql_server.h"
#include "integration/harness/redis_server.h"
#include "mysql/options.h"
#include "store/cluster/redis_mysql_store.h"
#include "unit/store_conformance/store_backend.h"

namespace parley::store::testing {

class ClusterBackend : public StoreBackend {
 public:
  ClusterBackend()
      : redis_(std::make_unique<parley::testing::RedisServer>()),
        mysql_(std::make_unique<parley::testing::MysqlServer>()) {
    options_.redis_host = redis_->host();
    options_.redis_port = redis_->port();
    options_.redis.reconnect_min = std::chrono::milliseconds(50);
    options_.redis.reconnect_max = std::chrono::milliseconds(200);
    options_.mysql = mysql::ParseUrl(mysql_->Url()).value();
    options_.mysql.threads = 3;
    // A loaded CI machine (two suites, each with its own mariadbd) has taken
    // over the default second to accept a connection at a Reopen; a refused
    // connection to a stopped server still fails at once.
    options_.mysql.connect_timeout = std::chrono::seconds(5);
    options_.mysql.reconnect_min = std::chrono::milliseconds(50);
    options_.mysql.reconnect_max = std::chrono::milliseconds(200);
    options_.clock = &clock_;
  }
  ~ClusterBackend() override {
    store_.reset();
    second_.reset();
  }

  // Reopens with options_ as they are (the second gateway too, when opened).
  void Reopen() {
    store_.reset();
    second_.reset();
    store_ = RedisMysqlStore::Open(options_, &metrics_);
  }
  void Reopen(const BackendOptions& options) override {
    ApplyBackendOptions(options, options_);
    Reopen();
  }
  core::Store& store() override { return *store_; }
  core::Store& Other() override { return Second(); }
  bool Healthy() override { return store_->Healthy(); }
  base::FakeClock& clock() override { return clock_; }

  // A second gateway on the same Redis and MySQL.
  RedisMysqlStore& Second() {
    if (!second_) second_ = RedisMysqlStore::Open(options_, &metrics_);
    return *second_;
  }

 protected:
  base::FakeClock clock_;
  base::Metrics metrics_;
  std::unique_ptr<parley::testing::RedisServer> redis_;
  std::unique_ptr<parley::testing::MysqlServer> mysql_;
  ClusterStoreOptions options_;
  std::unique_ptr<RedisMysqlStore> store_;
  std::unique_ptr<RedisMysqlStore> second_;
};

}  // namespace parley::store::testing
