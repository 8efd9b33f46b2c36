#include "app/node.h"

#include "app/backup.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>

#include "app/io_loop.h"
#include "app/jwt_secret.h"
#include "app/open_file_limit.h"
#include "app/jwks.h"
#include "app/product_key.h"
#include "base/host_port.h"
#include "cluster/bus_metrics.h"
#include "webhook/outbox_dispatcher.h"
#include "cluster/local_bus.h"
#include "cluster/redis_bus.h"
#include "core/admin_api.h"
#include "core/auth_service.h"
#include "core/dispatcher.h"
#include "core/group_service.h"
#include "core/message_service.h"
#include "core/rate_limiter.h"
#include "core/sync_service.h"
#include "core/typing_service.h"
#include "media/dir_storage.h"
#include "media/file_catalog.h"
#include "media/s3_storage.h"
#include "media/thumbnail.h"
#include "net/server.h"
#include "mysql/options.h"
#include "store/cluster/mysql_media_catalog.h"
#include "store/cluster/redis_mysql_store.h"
#include "store/rocks/rocks_store.h"

namespace parley::app {
namespace asio = boost::asio;

namespace {

// Time a draining connection gets before WaitIdle gives up on it: the net
// layer aborts stragglers after its close timeout; this adds a margin.
constexpr std::chrono::seconds kDrainTimeout{15};

// How long a clean stop waits for the bus to remove this gateway's presence.
constexpr std::chrono::seconds kBusStopTimeout{5};

// Cluster mode when the three cluster flags are given, embedded when none
// is; throws when only some are.
Node::Deployment DeploymentOf(const Config& config) {
  const int given = !config.redis.empty() + !config.mysql.empty() + !config.gateway_id.empty();
  if (given == 0) return Node::Deployment::kEmbedded;
  if (given < 3) {
    throw std::runtime_error(
        "cluster mode needs all three of --redis HOST:PORT, --mysql URL and --gateway-id ID "
        "(missing: " +
        std::string(config.redis.empty() ? "--redis " : "") +
        (config.mysql.empty() ? "--mysql " : "") +
        (config.gateway_id.empty() ? "--gateway-id" : "") + ")");
  }
  if (config.jwt_secret.empty()) {
    throw std::runtime_error(
        "cluster mode needs --jwt-secret (or PARLEY_JWT_SECRET), the same on every gateway: "
        "a token issued by one gateway must be accepted by the others");
  }
  return Node::Deployment::kCluster;
}

// "HOST:PORT" ("[::1]:6379" for IPv6); throws with the flag's name.
base::HostPort ParseHostPortFlag(const std::string& text, const char* flag) {
  auto parsed = base::ParseRemoteHostPort(text);
  if (!parsed) throw std::runtime_error(std::string(flag) + ": " + parsed.error().message);
  return std::move(*parsed);
}

net::NetOptions NetOptionsFrom(const Config& config, std::uint64_t open_file_limit) {
  net::NetOptions options;
  options.max_connections = MaxConnectionsFor(open_file_limit);
  options.max_connections_per_ip = config.max_connections_per_ip;
  options.tcp_listen = config.tcp_listen;
  options.ws_listen = config.ws_listen;
  options.metrics_listen = config.metrics_listen;
  options.max_frame = config.max_frame;
  options.auth_timeout = config.auth_timeout;
  options.allowed_origins = config.allowed_origins;
  options.web_root = net::WebRoot{config.web_root, config.web_root_boundary};
  options.tls_cert_file = config.tls_cert;
  options.tls_key_file = config.tls_key;
  return options;
}

// The product backend's tokens (--jwt-public-key, --jwt-jwks), read before
// any store is opened so a bad key stops the start at once.
core::ProductTokenOptions ProductTokensFrom(const Config& config) {
  if (config.jwt_public_key.empty() && config.jwt_jwks.empty()) {
    if (!config.jwt_issuer.empty() || !config.jwt_audience.empty()) {
      throw std::runtime_error("--jwt-issuer and --jwt-audience need --jwt-public-key or "
                               "--jwt-jwks");
    }
    return {};
  }
  if (!config.jwt_public_key.empty() && !config.jwt_jwks.empty()) {
    throw std::runtime_error("--jwt-public-key and --jwt-jwks: give one (a JWKS can hold both)");
  }
  core::ProductTokenOptions product;
  if (!config.jwt_public_key.empty()) {
    product.keys.push_back(LoadProductKey(config.jwt_public_key));
  } else {
    auto keys = ReadJwks(config.jwt_jwks);
    if (!keys) throw std::runtime_error(keys.error().message);
    product.keys = std::move(*keys);
  }
  product.issuer = config.jwt_issuer;
  product.audience = config.jwt_audience;
  return product;
}

}  // namespace

Node::Node(const Config& config) : config_(config) {
  // First: the store opens its files under the raised limit too.
  open_file_limit_ = RaiseOpenFileLimit();
  const Deployment deployment = DeploymentOf(config_);
  // Cluster mode keeps nothing on local disk (the JWT secret is a flag).
  if (deployment == Deployment::kEmbedded) std::filesystem::create_directories(config_.data_dir);
  const std::string secret = LoadOrCreateJwtSecret(config_.jwt_secret, config_.data_dir);
  const AuthMode auth = config_.auth == "insecure" ? AuthMode::kInsecure : AuthMode::kJwt;
  core::ProductTokenOptions product = ProductTokensFrom(config_);
  if (config_.password_cost == "min") {
    spdlog::warn("--password-cost=min: passwords are hashed at the minimum argon2id cost; "
                 "for tests and benchmarks only");
  }
  if (auth == AuthMode::kInsecure) {
    spdlog::warn("--auth=insecure: WebSocket clients may claim any user id with ?user_id=; "
                 "never run this way in production");
  }

  switch (deployment) {
    case Deployment::kEmbedded:
      OpenEmbedded();
      break;
    case Deployment::kCluster:
      OpenCluster();
      break;
  }
  try {
    Wire(secret, std::move(product), auth, deployment);
  } catch (...) {
    Teardown();
    throw;
  }
}

void Node::Wire(const std::string& secret, core::ProductTokenOptions product, AuthMode auth,
                Deployment deployment) {
  const bool insecure = auth == AuthMode::kInsecure;
  auth_ = std::make_unique<core::AuthService>(
      *store_, clock_,
      core::AuthOptions{secret, std::chrono::hours(24 * 7), insecure,
                        config_.password_cost == "min", std::move(product), config_.api_keys},
      blocking_pool_.get_executor());
  core::MessageOptions message_options;
  message_options.max_content = config_.max_content;
  // Insecure mode has users that never registered; 1:1 to them must work.
  message_options.require_registered_peer = !insecure;
  message_options.fanout_threshold = config_.fanout_threshold;
  message_options.windows = core::EventWindows{config_.edit_window, config_.recall_window};
  if (!config_.webhook_url.empty()) {
    message_options.outbox = config_.webhook_events == "all"
                                 ? core::MessageOptions::Outbox::kAll
                                 : core::MessageOptions::Outbox::kUserMessages;
  }
  messages_ = std::make_unique<core::MessageService>(*store_, *bus_, clock_, metrics_,
                                                     message_options);
  OpenMedia(deployment);
  messages_->SetMedia(media_.get());
  core::GroupOptions group_options;
  group_options.require_registered_members = !insecure;
  groups_ = std::make_unique<core::GroupService>(*store_, *bus_, clock_, metrics_, group_options);
  sync_ = std::make_unique<core::SyncService>(*store_, clock_);
  typing_ = std::make_unique<core::TypingService>(
      *store_, *bus_, clock_, metrics_, core::TypingOptions{config_.fanout_threshold});
  chat_limiter_ = std::make_unique<core::RateLimiter>(
      clock_, core::RateLimit{config_.chat_rate, config_.chat_burst});
  // A minute's worth at once: a user who mistypes a password a few times,
  // or an office behind one NAT address, is not held up.
  auth_limiter_ = std::make_unique<core::RateLimiter>(
      clock_, core::RateLimit{config_.auth_rate / 60.0, config_.auth_rate});
  auth_user_limiter_ = std::make_unique<core::RateLimiter>(
      clock_, core::RateLimit{config_.auth_user_rate / 60.0, config_.auth_user_rate});
  dispatcher_ = std::make_unique<core::Dispatcher>(
      *auth_, *messages_, *groups_, *sync_, *typing_, *bus_, metrics_,
      core::DispatchLimits{chat_limiter_.get(), auth_limiter_.get(), auth_user_limiter_.get()});
  if (auth_->api_enabled()) {
    admin_ = std::make_unique<core::AdminApi>(*auth_, *store_, *bus_, *messages_, *groups_, clock_);
    if (rocks_store_ != nullptr) admin_->SetBackup([this](std::string dir) { return BackUp(dir); });
  }
  AddRateLimitMetrics();
  // Read at scrape time; the server (the only renderer) goes before the bus.
  cluster::AddBusMetrics(metrics_, *bus_, redis_bus_);

  std::vector<asio::io_context*> raw;
  for (unsigned i = 0; i < config_.threads; ++i) {
    io_contexts_.push_back(std::make_unique<asio::io_context>(1));
    raw.push_back(io_contexts_.back().get());
  }
  std::function<bool()> healthy;
  if (deployment == Deployment::kCluster) healthy = [this] { return ClusterHealthy(); };
  server_ = std::make_unique<net::Server>(raw, *dispatcher_, *auth_, metrics_, std::move(healthy),
                                          NetOptionsFrom(config_, open_file_limit_));
  server_->SetMedia(media_.get());
  server_->SetAdmin(admin_.get());
  server_->Start();
  StartWebhooks(deployment);
  if (!config_.jwt_jwks.empty()) {
    reload_actions_.Add("JWKS " + config_.jwt_jwks,
                        [auth = auth_.get(), path = config_.jwt_jwks]() -> base::Result<void> {
                          PARLEY_ASSIGN_OR_RETURN(std::vector<core::ProductKey> keys,
                                                  ReadJwks(path));
                          auth->SetProductKeys(std::move(keys));
                          return {};
                        });
  }
  if (!config_.tls_cert.empty()) {
    reload_actions_.Add("TLS certificate " + config_.tls_cert,
                        [server = server_.get()] { return server->ReloadTls(); });
  }
  if (deployment == Deployment::kCluster) {
    spdlog::info("parleyd started: cluster mode, gateway {}, redis {}, {} I/O threads",
                 config_.gateway_id, config_.redis, config_.threads);
  } else {
    spdlog::info("parleyd started: {} I/O threads, data dir {}", config_.threads,
                 config_.data_dir);
  }
}

// parley_rate_limited_total: the 429s of each limit (docs/operations.md).
void Node::AddRateLimitMetrics() {
  metrics_.AddCollector([this, chat = chat_limiter_.get(), address = auth_limiter_.get(),
                         user = auth_user_limiter_.get()](std::string& out) {
    base::AppendFamily(out, "parley_rate_limited_total", "counter",
                       "Requests refused with 429, by limit.");
    base::AppendSample(out, "parley_rate_limited_total", "limit=\"chat\"", chat->refused());
    base::AppendSample(out, "parley_rate_limited_total", "limit=\"auth_address\"",
                       address->refused());
    base::AppendSample(out, "parley_rate_limited_total", "limit=\"auth_user\"", user->refused());
    // Rendered by the server itself, so server_ is set.
    base::AppendSample(out, "parley_rate_limited_total", "limit=\"connections\"",
                       server_ ? server_->refused_per_address() : 0);
  });
}

void Node::StartWebhooks(Deployment deployment) {
  if (config_.webhook_url.empty()) return;
  auto url = webhook::ParseWebhookUrl(config_.webhook_url);
  if (!url) throw std::runtime_error(url.error().message);
  auto poster = webhook::HttpPoster::Make(std::move(*url), config_.webhook_ca);
  if (!poster) throw std::runtime_error(poster.error().message);
  webhook::WebhookOptions options;
  options.secret = config_.webhook_secret;
  options.scope =
      config_.webhook_events == "all" ? webhook::EventScope::kAll : webhook::EventScope::kOffline;
  if (deployment == Deployment::kCluster) options.owner = config_.gateway_id;
  options.fanout_threshold = config_.fanout_threshold;
  // On the first I/O thread: the loop mostly waits (a timer, a POST).
  webhooks_ = std::make_unique<webhook::OutboxDispatcher>(
      *store_, *bus_, clock_, metrics_, std::move(*poster), std::move(options),
      io_contexts_.front()->get_executor());
  webhooks_->Start();
  spdlog::info("webhooks: {} events to {}", config_.webhook_events, config_.webhook_url);
}

void Node::OpenEmbedded() {
  store::RocksOptions rocks;
  rocks.data_dir = config_.data_dir;
  rocks.fanout_threshold = config_.fanout_threshold;
  rocks.inbox_retention = config_.inbox_retention;
  auto rocks_store = store::RocksStore::Open(rocks, &metrics_);
  rocks_store_ = rocks_store.get();
  store_ = std::move(rocks_store);
  bus_ = std::make_unique<cluster::LocalBus>();
}

asio::awaitable<base::Result<boost::json::object>> Node::BackUp(std::string dir) {
  // On the blocking pool: a checkpoint flushes and media files are copied.
  // Built by a plain function and handed over in named locals: GCC 12
  // destroys temporaries in a coroutine's co_await expression twice.
  auto run = [sources = BackupSourcesOf(), target = std::filesystem::path(std::move(dir))]()
      -> asio::awaitable<base::Result<boost::json::object>> {
    base::Result<boost::json::object> report = app::BackUp(sources, target);
    if (report) spdlog::info("backup into {} done", target.string());
    co_return report;
  };
  const asio::any_io_executor pool = blocking_pool_.get_executor();
  base::Result<boost::json::object> report =
      co_await asio::co_spawn(pool, std::move(run), asio::use_awaitable);
  co_return report;
}

BackupSources Node::BackupSourcesOf() const {
  BackupSources sources{*rocks_store_, config_.data_dir, {}, {}};
  if (media_storage_) {
    sources.media_dir = media_dir_;
    sources.spool_dir = media_storage_->SpoolDir();
  }
  return sources;
}

void Node::OpenCluster() {
  const base::HostPort redis = ParseHostPortFlag(config_.redis, "--redis");
  backend_ = std::make_unique<base::IoThread>("cluster bus backend");
  try {
    auto mysql = mysql::ParseUrl(config_.mysql);
    if (!mysql) throw std::runtime_error("--mysql: " + mysql.error().message);
    store::ClusterStoreOptions options;
    options.redis_host = redis.host;
    options.redis_port = redis.port;
    options.mysql = std::move(*mysql);
    options.fanout_threshold = config_.fanout_threshold;
    options.inbox_retention = config_.inbox_retention;
    options.max_inbox_entries = config_.max_inbox_entries;
    // The store runs its Redis and group-commit work on a thread of its own.
    auto opened = store::RedisMysqlStore::Open(std::move(options), &metrics_);
    cluster_store_ = opened.get();
    store_ = std::move(opened);

    cluster::RedisBusOptions bus_options;
    bus_options.gateway_id = config_.gateway_id;
    bus_options.redis_host = redis.host;
    bus_options.redis_port = redis.port;
    bus_options.redis.health = &metrics_.dependencies;
    auto bus = cluster::RedisBus::Open(bus_options, backend_->executor());
    if (!bus) throw std::runtime_error("cluster bus: " + bus.error().message);
    redis_bus_ = bus->get();
    bus_ = std::move(*bus);
  } catch (...) {
    // Nothing else runs yet: close what opened, then stop the backend.
    bus_.reset();
    redis_bus_ = nullptr;
    if (store_) store_->Close();
    StopBackend();
    store_.reset();
    cluster_store_ = nullptr;
    throw;
  }
}

void Node::OpenMedia(Deployment deployment) {
  if (!config_.media_s3.empty()) {
    if (deployment != Deployment::kCluster) {
      throw std::runtime_error("--media-s3 is for cluster mode (--redis, --mysql, --gateway-id); "
                               "the embedded store keeps media in --media-dir");
    }
    if (!config_.media_dir.empty()) {
      throw std::runtime_error("--media-dir and --media-s3: give one");
    }
    OpenS3Media();
    return;
  }
  std::filesystem::path dir = config_.media_dir;
  if (dir.empty()) {
    // Cluster gateways keep nothing on local disk: a media directory only
    // one gateway sees would make media vanish behind the others.
    if (deployment == Deployment::kCluster) {
      spdlog::info("media disabled: cluster mode needs --media-s3 or --media-dir (a directory "
                   "every gateway shares)");
      return;
    }
    dir = std::filesystem::path(config_.data_dir) / "media";
  }
  media::InitImageLibrary();
  media_workers_ = std::make_unique<media::Workers>(config_.media_workers);
  media_dir_ = dir;
  media_storage_ = std::make_unique<media::DirStorage>(dir);
  media_catalog_ = std::make_unique<media::FileCatalog>(dir);
  StartMediaService();
  spdlog::info("media in {} (largest upload {} bytes)", dir.string(), config_.max_media_bytes);
}

void Node::OpenS3Media() {
  media::S3Options s3;
  s3.url = config_.media_s3;
  s3.key_id = config_.media_s3_key_id;
  s3.secret = config_.media_s3_secret;
  s3.region = config_.media_s3_region;
  // The names every S3 tool reads, when the flags do not say.
  if (const char* id = std::getenv("AWS_ACCESS_KEY_ID"); s3.key_id.empty() && id) s3.key_id = id;
  if (const char* key = std::getenv("AWS_SECRET_ACCESS_KEY"); s3.secret.empty() && key) {
    s3.secret = key;
  }
  auto client = media::S3Client::Make(std::move(s3));
  if (!client) throw std::runtime_error(client.error().message);
  auto mysql = mysql::ParseUrl(config_.mysql);
  if (!mysql) throw std::runtime_error("--mysql: " + mysql.error().message);
  // One catalog connection per media worker: each runs one statement at a time.
  mysql->threads = config_.media_workers;

  media::InitImageLibrary();
  media_workers_ = std::make_unique<media::Workers>(config_.media_workers);
  media_io_ = std::make_unique<media::Workers>(config_.media_workers);
  // Uploads arrive in a local directory of this gateway alone (its id is
  // unique in the cluster), so a gateway starting may clear what it left.
  const std::filesystem::path spool =
      std::filesystem::path(config_.data_dir) / "media-spool" / config_.gateway_id;
  media_storage_ = std::make_unique<media::S3Storage>(std::move(*client), *media_io_, spool);
  media_catalog_ = std::make_unique<store::MysqlMediaCatalog>(std::move(*mysql));
  StartMediaService();
  spdlog::info("media in object storage {} (catalog in MariaDB, spool {}, largest upload {} bytes)",
               config_.media_s3, spool.string(), config_.max_media_bytes);
}

void Node::StartMediaService() {
  core::MediaOptions options;
  options.max_bytes = config_.max_media_bytes;
  media_ = std::make_unique<core::MediaService>(*store_, *media_storage_, *media_catalog_,
                                                *media_workers_, clock_, metrics_, options);
}

bool Node::ClusterHealthy() const {
  if (cluster_store_ && !cluster_store_->Healthy()) return false;
  return redis_bus_ == nullptr || redis_bus_->Healthy();
}

void Node::StopBackend() {
  // The bus's last Redis work (its connections closing) runs first.
  if (backend_) backend_->Stop();
}

Node::~Node() { Teardown(); }

void Node::Teardown() {
  for (auto& io : io_contexts_) io->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  server_.reset();
  // The bus and store hold timers and sockets of the backend io_context:
  // destroy them while it still exists, then stop it.
  webhooks_.reset();
  dispatcher_.reset();
  admin_.reset();
  typing_.reset();
  sync_.reset();
  groups_.reset();
  messages_.reset();
  // Jobs still on the workers use media_ and the storage: they finish first.
  if (media_workers_) media_workers_->Join();
  if (media_io_) media_io_->Join();
  media_.reset();
  media_catalog_.reset();
  media_storage_.reset();
  media_io_.reset();
  media_workers_.reset();
  auth_.reset();
  bus_.reset();
  redis_bus_ = nullptr;
  store_.reset();
  cluster_store_ = nullptr;
  rocks_store_ = nullptr;
  StopBackend();
}

void Node::Run() {
  for (auto& io : io_contexts_) {
    threads_.emplace_back([ctx = io.get()] { RunIoLoop(*ctx); });
  }
}

void Node::Reload() { reload_actions_.Run(); }

void Node::Shutdown() {
  server_->StopAccepting();
  server_->CloseAll("server shutting down");
  if (!server_->WaitIdle(kDrainTimeout)) {
    spdlog::warn("{} connections did not close in time", server_->open_connections());
  }
  // Other gateways stop routing to this one: its presence goes first.
  if (redis_bus_ && !redis_bus_->Shutdown(kBusStopTimeout)) {
    spdlog::warn("redis bus: clean stop timed out; this gateway's presence expires by TTL");
  }
  if (webhooks_) webhooks_->Stop(kBusStopTimeout);
  store_->Close();  // every accepted message is durable before we exit
  if (media_workers_) media_workers_->Join();  // uploads in flight are durable too
  if (media_io_) media_io_->Join();
  for (auto& io : io_contexts_) io->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  blocking_pool_.join();
}

}  // namespace parley::app
