#pragma once
// Node: one running parleyd — its I/O threads, store, bus, core services and
// gateways, wired together from a Config. main() builds one and waits for a
// signal.
//
// Two modes (docs/design.md "Deployment modes"): embedded (RocksStore +
// LocalBus) by default; cluster (RedisMysqlStore + RedisBus) when --redis,
// --mysql and --gateway-id are all given. In cluster mode the bus does its
// Redis work on a dedicated "backend" io_context with one thread of its own
// (the store has its own likewise), started before the bus opens (Open
// blocks on it) and stopped after it closed: its strand never competes with
// connections for an I/O thread, and Shutdown can wait for it from the main
// thread.
//
// Threads: construct, Run and Shutdown from the main thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/backup.h"
#include "app/config.h"
#include "app/reload_actions.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/io_thread.h"
#include "base/metrics.h"
#include "core/media_service.h"
#include "media/catalog.h"
#include "media/storage.h"
#include "media/workers.h"

namespace parley::core {
class Store;
class Bus;
class AuthService;
struct ProductTokenOptions;
class MessageService;
class GroupService;
class SyncService;
class TypingService;
class Dispatcher;
class AdminApi;
class RateLimiter;
}  // namespace parley::core
namespace parley::net {
class Server;
}
namespace parley::cluster {
class RedisBus;
}
namespace parley::store {
class RedisMysqlStore;
class RocksStore;
}
namespace parley::webhook {
class OutboxDispatcher;
}

namespace parley::app {

class Node {
 public:
  // Opens the store and binds the listeners; throws std::runtime_error with a
  // message for the operator when that fails.
  explicit Node(const Config& config);
  ~Node();

  // Starts the I/O threads; returns at once.
  void Run();

  // The graceful stop of docs/design.md "Shutdown": stop accepting, let
  // in-flight requests finish, close connections, flush the store.
  void Shutdown();

  // SIGHUP: runs the reload actions (reload_actions.h); failures are logged
  // and the server goes on with what it had.
  void Reload();

  // Where the state lives (docs/design.md "Deployment modes"): RocksDB in
  // --data-dir, or Redis + MySQL shared by the gateways.
  enum class Deployment { kEmbedded, kCluster };
  // --auth: JWT only, or WebSocket clients may name themselves (?user_id=).
  enum class AuthMode { kJwt, kInsecure };

 private:
  void OpenEmbedded();
  // The core services and the gateways over the store and bus.
  void Wire(const std::string& secret, core::ProductTokenOptions product, AuthMode auth,
            Deployment deployment);
  // What the destructor does; also undoes a constructor that failed midway.
  void Teardown();
  void OpenCluster();
  // POST /api/admin/backup in embedded mode (app/backup.h), off the I/O threads.
  boost::asio::awaitable<base::Result<boost::json::object>> BackUp(std::string dir);
  BackupSources BackupSourcesOf() const;
  // parley_rate_limited_total, read from the limiters at scrape time.
  void AddRateLimitMetrics();
  // --webhook-url: the outbox dispatcher on the first I/O thread.
  void StartWebhooks(Deployment deployment);
  void StopBackend();
  // media_* from --media-dir (DirStorage + FileCatalog) or, in cluster
  // mode, --media-s3 (S3Storage + MysqlMediaCatalog).
  void OpenMedia(Deployment deployment);
  void OpenS3Media();
  void StartMediaService();
  bool ClusterHealthy() const;  // GET /healthz in cluster mode: Redis and MySQL reachable

  Config config_;
  std::uint64_t open_file_limit_ = 0;  // after RaiseOpenFileLimit
  base::Metrics metrics_;
  base::SystemClock clock_;
  std::unique_ptr<core::Store> store_;
  std::unique_ptr<core::Bus> bus_;
  // Cluster mode only: the backend io_context and its thread, and the
  // concrete store and bus (also held as store_ and bus_) for health and
  // shutdown.
  std::unique_ptr<base::IoThread> backend_;
  store::RedisMysqlStore* cluster_store_ = nullptr;
  store::RocksStore* rocks_store_ = nullptr;  // embedded mode: store_, for backups
  std::filesystem::path media_dir_;            // with media: where its files are
  cluster::RedisBus* redis_bus_ = nullptr;
  boost::asio::thread_pool blocking_pool_{2};
  // Media (null when not configured); outlive messages_ and server_.
  std::unique_ptr<media::Workers> media_workers_;
  // --media-s3: the threads that send object storage reads (storage.h).
  std::unique_ptr<media::Workers> media_io_;
  std::unique_ptr<media::MediaStorage> media_storage_;
  std::unique_ptr<media::MediaCatalog> media_catalog_;
  std::unique_ptr<core::MediaService> media_;
  std::unique_ptr<core::AuthService> auth_;
  std::unique_ptr<core::MessageService> messages_;
  std::unique_ptr<core::GroupService> groups_;
  std::unique_ptr<core::SyncService> sync_;
  std::unique_ptr<core::TypingService> typing_;
  // Outlive dispatcher_, which uses them.
  std::unique_ptr<core::RateLimiter> chat_limiter_;
  std::unique_ptr<core::RateLimiter> auth_limiter_;
  std::unique_ptr<core::RateLimiter> auth_user_limiter_;
  std::unique_ptr<core::Dispatcher> dispatcher_;
  std::unique_ptr<core::AdminApi> admin_;
  std::unique_ptr<webhook::OutboxDispatcher> webhooks_;
  std::vector<std::unique_ptr<boost::asio::io_context>> io_contexts_;
  std::vector<std::thread> threads_;
  std::unique_ptr<net::Server> server_;
  ReloadActions reload_actions_;
};

}  // namespace parley::app
