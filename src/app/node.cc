#include "app/node.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>

#include <filesystem>

#include "app/jwt_secret.h"
#include "cluster/local_bus.h"
#include "core/auth_service.h"
#include "core/dispatcher.h"
#include "core/group_service.h"
#include "core/message_service.h"
#include "core/sync_service.h"
#include "net/server.h"
#include "store/rocks/rocks_store.h"

namespace parley::app {
namespace asio = boost::asio;

namespace {

// Time a draining connection gets before WaitIdle gives up on it: the net
// layer aborts stragglers after its close timeout; this adds a margin.
constexpr std::chrono::seconds kDrainTimeout{15};

net::NetOptions NetOptionsFrom(const Config& config) {
  net::NetOptions options;
  options.tcp_listen = config.tcp_listen;
  options.ws_listen = config.ws_listen;
  options.max_frame = config.max_frame;
  options.allowed_origins = config.allowed_origins;
  options.web_root = config.web_root;
  return options;
}

}  // namespace

Node::Node(const Config& config) : config_(config) {
  if (!config_.redis.empty() || !config_.mysql.empty() || !config_.gateway_id.empty()) {
    throw std::runtime_error(
        "cluster mode (--redis/--mysql/--gateway-id) is not available in this build yet");
  }
  std::filesystem::create_directories(config_.data_dir);
  const std::string secret = LoadOrCreateJwtSecret(config_.jwt_secret, config_.data_dir);
  const bool insecure = config_.auth == "insecure";
  if (config_.password_cost == "min") {
    spdlog::warn("--password-cost=min: passwords are hashed at the minimum argon2id cost; "
                 "for tests and benchmarks only");
  }
  if (insecure) {
    spdlog::warn("--auth=insecure: WebSocket clients may claim any user id with ?user_id=; "
                 "never run this way in production");
  }

  store::RocksOptions rocks;
  rocks.data_dir = config_.data_dir;
  rocks.fanout_threshold = config_.fanout_threshold;
  rocks.inbox_retention = config_.inbox_retention;
  store_ = store::RocksStore::Open(rocks, &metrics_);
  bus_ = std::make_unique<cluster::LocalBus>();
  auth_ = std::make_unique<core::AuthService>(
      *store_, clock_,
      core::AuthOptions{secret, std::chrono::hours(24 * 7), insecure,
                        config_.password_cost == "min"},
      blocking_pool_.get_executor());
  core::MessageOptions message_options;
  message_options.max_content = config_.max_content;
  // Insecure mode has users that never registered; 1:1 to them must work.
  message_options.require_registered_peer = !insecure;
  messages_ = std::make_unique<core::MessageService>(*store_, *bus_, clock_, metrics_,
                                                     message_options);
  core::GroupOptions group_options;
  group_options.require_registered_members = !insecure;
  groups_ = std::make_unique<core::GroupService>(*store_, *bus_, clock_, metrics_, group_options);
  sync_ = std::make_unique<core::SyncService>(*store_);
  dispatcher_ = std::make_unique<core::Dispatcher>(*auth_, *messages_, *groups_, *sync_, *bus_,
                                                   metrics_);

  std::vector<asio::io_context*> raw;
  for (unsigned i = 0; i < config_.threads; ++i) {
    io_contexts_.push_back(std::make_unique<asio::io_context>(1));
    raw.push_back(io_contexts_.back().get());
  }
  server_ = std::make_unique<net::Server>(raw, *dispatcher_, *auth_, metrics_, nullptr,
                                          NetOptionsFrom(config_));
  server_->Start();
  spdlog::info("parleyd started: {} I/O threads, data dir {}", config_.threads, config_.data_dir);
}

Node::~Node() {
  for (auto& io : io_contexts_) io->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  server_.reset();
}

void Node::Run() {
  for (auto& io : io_contexts_) {
    threads_.emplace_back([ctx = io.get()] {
      auto guard = asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
}

void Node::Shutdown() {
  server_->StopAccepting();
  server_->CloseAll("server shutting down");
  if (!server_->WaitIdle(kDrainTimeout)) {
    spdlog::warn("{} connections did not close in time", server_->open_connections());
  }
  store_->Close();  // every accepted message is durable before we exit
  for (auto& io : io_contexts_) io->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  blocking_pool_.join();
}

}  // namespace parley::app
