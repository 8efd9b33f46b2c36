#include "app/config.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <filesystem>
#include <thread>

namespace parley::app {
namespace {

#ifdef PARLEY_DEFAULT_WEB_ROOT
constexpr const char* kDefaultWebRoot = PARLEY_DEFAULT_WEB_ROOT;
#else
constexpr const char* kDefaultWebRoot = "";
#endif
// Where `cmake --install` (and the Debian package) puts the chat app,
// relative to the directory of the installed parleyd: /usr/bin/parleyd
// serves /usr/share/parley/web.
#ifdef PARLEY_INSTALLED_WEB_ROOT
constexpr const char* kInstalledWebRoot = PARLEY_INSTALLED_WEB_ROOT;
#else
constexpr const char* kInstalledWebRoot = "";
#endif

// The chat app served when --web-root is not given: the installed one next
// to this binary, else web/app of the source tree it was built from (`make
// run`), else none (the built-in page). Found through /proc/self/exe, so a package
// unpacked anywhere (tests/deploy/deb_test.sh) serves its own copy.
std::string DefaultWebRoot() {
  std::error_code error;
  if (*kInstalledWebRoot != '\0') {
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
      const std::filesystem::path installed =
          (exe.parent_path() / kInstalledWebRoot).lexically_normal();
      if (std::filesystem::is_directory(installed, error)) return installed.string();
    }
  }
  if (std::filesystem::is_directory(kDefaultWebRoot, error)) return kDefaultWebRoot;
  return "";
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  std::int64_t ms_per_unit = 0;
  if (unit.empty() || unit == "s") ms_per_unit = 1000;
  else if (unit == "ms") ms_per_unit = 1;
  else if (unit == "m") ms_per_unit = 60 * 1000;
  else if (unit == "h") ms_per_unit = 3600 * 1000;
  else if (unit == "d") ms_per_unit = 24 * 3600 * 1000;
  else return std::nullopt;
  return std::chrono::milliseconds(value * ms_per_unit);
}

ParseOutcome ParseConfig(int argc, char** argv) {
  Config c;
  CLI::App app{"parleyd: the Parley instant-messaging server"};
  app.set_config("--config", "", "Read flags from a TOML/INI file (flag = value)");
  // A misspelt key in the config file stops parleyd instead of being
  // ignored (CLI11's default): /etc/parley/parleyd.toml is edited by hand.
  app.allow_config_extras(CLI::config_extras_mode::error);
  // Every flag can also come from PARLEY_<FLAG> (upper case, '-' as '_').
  auto flag = [&app](const std::string& name, auto& target, const std::string& help) {
    std::string env = "PARLEY_" + name;
    for (char& ch : env) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
    return app.add_option("--" + name, target, help)->envname(env)->capture_default_str();
  };
  std::string inbox_retention = "7d";
  std::string auth_timeout = "10s";
  std::string edit_window = "24h";
  std::string recall_window = "2m";
  flag("ws-listen", c.ws_listen, "HTTP + WebSocket listen address (port 0: pick a free one)");
  flag("tcp-listen", c.tcp_listen, "binary TCP protocol listen address");
  flag("metrics-listen", c.metrics_listen,
       "serve /metrics and /healthz on this address of their own (plain HTTP, e.g. "
       "127.0.0.1:9464; port 0: pick a free one); the public port then answers 404 for "
       "/metrics (default: /metrics on --ws-listen; set this on a gateway facing the internet)");
  flag("tls-cert", c.tls_cert,
       "PEM certificate (then its chain) of the TCP gateway: it speaks TLS 1.2+ (with "
       "--tls-key; reloaded on SIGHUP)");
  flag("tls-key", c.tls_key, "PEM private key of --tls-cert (unencrypted)");
  flag("data-dir", c.data_dir, "directory of the embedded store (RocksDB) and the JWT secret");
  flag("threads", c.threads, "I/O threads (0: one per core)");
  flag("auth", c.auth, "jwt, or insecure (WebSocket accepts ?user_id=; development only)")
      ->check(CLI::IsMember({"jwt", "insecure"}));
  flag("jwt-secret", c.jwt_secret,
       "HS256 secret, 32+ bytes (default: generated once, kept in DATA_DIR/jwt_secret)");
  flag("jwt-public-key", c.jwt_public_key,
       "PEM public key of the product's backend (RSA: RS256, EC P-256: ES256); its tokens "
       "are accepted besides Parley's own");
  flag("api-key", c.api_keys,
       "key of the server API under /api/admin/ (Authorization: Bearer KEY), 32+ characters; "
       "several (comma-separated or repeated) for rotation; default: the API is off")
      ->delimiter(',');
  flag("jwt-jwks", c.jwt_jwks,
       "JSON Web Key Set file of the product's backend (RSA: RS256, EC P-256: ES256; the "
       "token's kid picks the key); reloaded on SIGHUP");
  flag("jwt-issuer", c.jwt_issuer, "product tokens must have this iss (default: not checked)");
  flag("jwt-audience", c.jwt_audience,
       "product tokens must have this aud (default: not checked)");
  flag("auth-timeout", auth_timeout,
       "a connection not authenticated this long after it opened is closed (e.g. 10s, 500ms)");
  flag("max-frame", c.max_frame, "largest accepted frame in bytes")
      ->check(CLI::Range(1024u, 16u * 1024 * 1024));
  flag("max-content", c.max_content, "largest message content in bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024 * 1024}));
  flag("fanout-threshold", c.fanout_threshold,
       "groups up to this many members get write diffusion, bigger ones read diffusion");
  flag("inbox-retention", inbox_retention, "how long inbox entries are kept (e.g. 7d, 12h)");
  flag("max-inbox-entries", c.max_inbox_entries,
       "cluster mode: newest inbox entries kept per user; an older SYNC cursor is expired "
       "(\"capped\")")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  flag("gateway-id", c.gateway_id, "cluster mode: this gateway's id");
  flag("redis", c.redis, "cluster mode: Redis HOST:PORT");
  flag("mysql", c.mysql, "cluster mode: mysql://user:pass@host:port/db");
  flag("allowed-origins", c.allowed_origins,
       "browser Origins allowed on WebSocket (default: any)")
      ->delimiter(',');
  flag("web-root", c.web_root,
       "directory of static files served at / (default: the browser chat app, installed in "
       "../share/parley/web from parleyd's directory, else this source tree's web/app; "
       "else a built-in page)");
  flag("password-cost", c.password_cost,
       "argon2id cost: interactive (libsodium's recommendation), or min for tests and "
       "benchmarks that register thousands of users (never in production)")
      ->check(CLI::IsMember({"interactive", "min"}));
  flag("chat-rate", c.chat_rate,
       "CHATs per second a user may send, sustained (per gateway; 0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
  flag("chat-burst", c.chat_burst, "CHATs a user may send at once before --chat-rate applies")
      ->check(CLI::Range(1.0, 1e9));
  flag("auth-rate", c.auth_rate,
       "password logins and registrations per client IP and minute, per gateway (0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
  flag("edit-window", edit_window,
       "how long after sending its sender may edit a message (e.g. 24h, 15m; 0: never)");
  flag("recall-window", recall_window,
       "how long after sending its sender may recall a message (group owners and admins: "
       "any time; 0: only they)");
  flag("webhook-url", c.webhook_url,
       "http:// or https:// URL that receives message.offline events for push notifications "
       "(default: off)");
  flag("webhook-ca", c.webhook_ca,
       "PEM file of the CAs that sign an https:// webhook receiver's certificate (default: the "
       "system's CAs)");
  flag("webhook-secret", c.webhook_secret,
       "shared secret of the X-Parley-Signature HMAC (required with --webhook-url)");
  flag("webhook-events", c.webhook_events,
       "offline: events for recipients without an online device; all: also every message")
      ->check(CLI::IsMember({"offline", "all"}));
  flag("media-dir", c.media_dir,
       "directory of uploaded media (default: DATA_DIR/media; cluster mode: no media unless "
       "this, on a directory every gateway shares, or --media-s3 is set)");
  flag("max-media-bytes", c.max_media_bytes, "largest media upload in bytes (larger: 413)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  flag("media-workers", c.media_workers,
       "threads for media fsyncs, type sniffing and thumbnails (at most that many at once); "
       "with --media-s3 as many again for object storage reads")
      ->check(CLI::Range(1u, 64u));
  flag("media-s3", c.media_s3,
       "cluster mode: keep media in S3-compatible object storage at this bucket URL "
       "(http(s)://HOST:PORT/BUCKET, path-style, or a virtual-host URL), their catalog in "
       "MariaDB");
  flag("media-s3-key-id", c.media_s3_key_id,
       "access key id for --media-s3 (default: $AWS_ACCESS_KEY_ID)");
  flag("media-s3-secret", c.media_s3_secret,
       "secret access key for --media-s3 (default: $AWS_SECRET_ACCESS_KEY)");
  flag("media-s3-region", c.media_s3_region, "region the --media-s3 requests are signed for");
  flag("max-connections-per-ip", c.max_connections_per_ip,
       "open connections (TCP, WebSocket, HTTP) from one client address; more are refused at "
       "once (0: no limit)");
  flag("auth-user-rate", c.auth_user_rate,
       "password logins and registrations per user id and minute, from any address, per "
       "gateway (0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
  flag("log-level", c.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  flag("log-format", c.log_format,
       "text (for people), or json: one JSON object per line (ts, level, msg, and the "
       "connection's ids as keys of their own) for log shippers")
      ->check(CLI::IsMember({"text", "json"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseOutcome{std::nullopt, app.exit(e)};
  }
  auto retention = ParseDuration(inbox_retention);
  if (!retention || retention->count() == 0) {
    std::fprintf(stderr, "--inbox-retention: '%s' is not a duration (e.g. 7d, 12h, 30m)\n",
                 inbox_retention.c_str());
    return ParseOutcome{std::nullopt, 2};
  }
  c.inbox_retention = std::chrono::duration_cast<std::chrono::seconds>(*retention);
  auto auth = ParseDuration(auth_timeout);
  if (!auth || auth->count() == 0) {
    std::fprintf(stderr, "--auth-timeout: '%s' is not a positive duration (e.g. 10s, 500ms)\n",
                 auth_timeout.c_str());
    return ParseOutcome{std::nullopt, 2};
  }
  c.auth_timeout = *auth;
  auto edit = ParseDuration(edit_window);
  auto recall = ParseDuration(recall_window);
  if (!edit || !recall) {
    std::fprintf(stderr, "--edit-window / --recall-window: '%s' / '%s': not durations "
                 "(e.g. 24h, 2m)\n", edit_window.c_str(), recall_window.c_str());
    return ParseOutcome{std::nullopt, 2};
  }
  c.edit_window = *edit;
  c.recall_window = *recall;
  if (!c.webhook_url.empty() && c.webhook_secret.empty()) {
    std::fprintf(stderr, "--webhook-url needs --webhook-secret (the receiver checks signatures)\n");
    return ParseOutcome{std::nullopt, 2};
  }
  for (const std::string& key : c.api_keys) {
    if (key.size() < 32) {
      std::fprintf(stderr, "--api-key: a key must be at least 32 characters\n");
      return ParseOutcome{std::nullopt, 2};
    }
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    std::fprintf(stderr, "--tls-cert and --tls-key go together\n");
    return ParseOutcome{std::nullopt, 2};
  }
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  // `make run` and the installed package serve the chat app with no flag. A
  // binary copied elsewhere falls back to the built-in page. The source
  // tree's app reaches the SDK through its sdk symlink to ../sdk/src: there
  // (the developer's own tree) files may resolve anywhere under web/; the
  // installed copy holds real files, and an operator's --web-root gets no
  // such allowance.
  if (c.web_root.empty()) {
    c.web_root = DefaultWebRoot();
    if (!c.web_root.empty() && c.web_root == kDefaultWebRoot) {
      c.web_root_boundary = std::filesystem::path(kDefaultWebRoot).parent_path().string();
    }
  }
  return ParseOutcome{std::move(c), 0};
}

}  // namespace parley::app
