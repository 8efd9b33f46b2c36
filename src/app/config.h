#pragma once
// parleyd's configuration: flags, a TOML/INI config file (--config) and
// PARLEY_<FLAG> environment variables, in that order of precedence
// (docs/protocol.md "Command line").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::app {

struct Config {
  std::string ws_listen = "0.0.0.0:8080";
  std::string tcp_listen = "0.0.0.0:8090";
  std::string metrics_listen;  // empty: /metrics on the ws_listen port
  // PEM files; both or neither. Set: the TCP gateway speaks TLS.
  std::string tls_cert;
  std::string tls_key;
  std::string data_dir = "./data";
  unsigned threads = 0;  // 0: one per core
  std::string auth = "jwt";
  std::string jwt_secret;
  std::string jwt_public_key;  // PEM file; empty: only Parley's own tokens
  std::vector<std::string> api_keys;  // the server API's keys (--api-key); empty: off
  std::string jwt_jwks;        // JWK set file (instead of jwt_public_key), reloaded on SIGHUP
  std::string jwt_issuer;
  std::string jwt_audience;
  std::uint32_t max_frame = 64 * 1024;
  std::size_t max_content = 4096;
  std::size_t fanout_threshold = 500;
  std::chrono::seconds inbox_retention{7 * 24 * 3600};
  std::size_t max_inbox_entries = 10000;  // cluster mode only
  std::chrono::milliseconds auth_timeout{10'000};
  std::string gateway_id;
  std::string redis;
  std::string mysql;
  std::vector<std::string> allowed_origins;
  std::string web_root;
  // What served files must lie under once symlinks are resolved (net::WebRoot);
  // not a flag: empty (web_root itself) unless web_root is this source tree's.
  std::string web_root_boundary;
  std::string log_level = "info";
  std::string log_format = "text";  // or "json": one JSON object per line
  std::string password_cost = "interactive";
  // CHAT rate limit per user and gateway (docs/protocol.md "Rate limits"):
  // tokens per second and bucket size; rate 0 = no limit.
  double chat_rate = 20;
  double chat_burst = 100;
  // Password logins and registrations per client IP and minute, all of which
  // may come at once; 0 = no limit.
  double auth_rate = 60;
  // Password logins and registrations per user id and minute, whatever the
  // address (a guessing attack spread over many addresses); 0 = no limit.
  double auth_user_rate = 20;
  // Open connections from one client address; 0 = no limit.
  std::size_t max_connections_per_ip = 1000;
  // How long after sending its sender may edit / recall a message.
  std::chrono::milliseconds edit_window{std::chrono::hours(24)};
  std::chrono::milliseconds recall_window{std::chrono::minutes(2)};
  // Webhooks (docs/protocol.md "Webhooks"); url empty: off.
  std::string webhook_url;
  std::string webhook_secret;
  std::string webhook_ca;  // https receivers: the CAs to trust (empty: the system's)
  std::string webhook_events = "offline";  // or "all"
  // Media (docs/protocol.md "Media"): the directory of uploads (empty:
  // DATA_DIR/media on the embedded store; cluster mode has no media unless
  // it is set, to a directory every gateway shares, or media_s3 is), the
  // largest upload, and the threads for fsync, type sniffing and thumbnails.
  std::string media_dir;
  std::int64_t max_media_bytes = 25 * 1024 * 1024;
  unsigned media_workers = 2;
  // Cluster mode: media in S3-compatible object storage (URL of the bucket,
  // http(s)://HOST[:PORT]/BUCKET path-style or a virtual-host URL) with the
  // catalog in MariaDB. Credentials: these, else AWS_ACCESS_KEY_ID and
  // AWS_SECRET_ACCESS_KEY.
  std::string media_s3;
  std::string media_s3_key_id;
  std::string media_s3_secret;
  std::string media_s3_region = "us-east-1";
};

// Parses the command line. Returns the config, or the process exit code when
// parsing ended the run (--help: 0; a bad flag: non-zero, message printed).
struct ParseOutcome {
  std::optional<Config> config;
  int exit_code = 0;
};
ParseOutcome ParseConfig(int argc, char** argv);

// "90s", "15m", "12h", "7d", "500ms" or a plain number of seconds.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace parley::app
