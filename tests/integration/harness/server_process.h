#pragma once
// Starts a real parleyd for an integration test: its own temporary data dir,
// port 0 for both listeners (the "listening ..." lines tell the real ports,
// also that of --metrics-listen when a test gives it),
// stdout/stderr captured to files in the test's temporary directory.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace parley::testing {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ServerProcess {
 public:
  // Starts parleyd with --data-dir DATA_DIR, --tcp-listen/--ws-listen on
  // 127.0.0.1:0, a fixed test JWT secret, and `extra_args`. Waits until both
  // listeners are up; fails the test (ADD_FAILURE + nullptr) otherwise.
  // With the cluster backend (backend.h) it runs as gateway "gw1" of the
  // deployment keyed by `data_dir`'s parent, on its Redis and MariaDB.
  static std::unique_ptr<ServerProcess> Start(const std::filesystem::path& data_dir,
                                              std::vector<std::string> extra_args = {});
  // A cluster gateway: runs against the deployment keyed by `deployment`
  // (started on first use) whatever the selected backend.
  static std::unique_ptr<ServerProcess> StartGateway(const std::filesystem::path& deployment,
                                                     const std::string& gateway_id,
                                                     std::vector<std::string> extra_args = {});
  ~ServerProcess();

  std::uint16_t tcp_port() const { return tcp_port_; }
  std::uint16_t ws_port() const { return ws_port_; }
  // The port of --metrics-listen (given in `extra_args`); 0 without it.
  std::uint16_t metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }

  // SIGKILL and reap: the crash of the durability guarantee (docs/design.md "Durability").
  void Kill9();
  // SIGTERM, then waits up to `timeout`; returns the exit status (or -1 when
  // it had to be killed).
  int Terminate(std::chrono::seconds timeout = std::chrono::seconds(20));
  // Everything the server wrote to stderr so far (for failure messages).
  std::string Log() const;

  static constexpr const char* kJwtSecret = "parley-integration-test-secret-0123456789";

 private:
  ServerProcess() = default;
  static std::unique_ptr<ServerProcess> Launch(const std::filesystem::path& data_dir,
                                               std::vector<std::string> extra_args);

  pid_t pid_ = -1;
  std::uint16_t tcp_port_ = 0;
  std::uint16_t ws_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

}  // namespace parley::testing
