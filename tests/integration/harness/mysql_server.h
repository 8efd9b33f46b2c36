#pragma once
// A real MariaDB server (mariadbd) for tests, in its own temporary datadir on
// a free loopback port, with database `parley` and a password user that may
// do anything (tests create their own tables and databases). Killed and
// removed on destruction.
//
// mariadb-install-db runs once per machine (per mariadbd build): its
// pristine datadir stays in /tmp/parley-mysql-pristine-* and each server
// starts from a copy, so a server costs well under a second.
//
// Blocking; call from the test thread only.

#include <cstdint>
#include <filesystem>
#include <string>

#include "integration/harness/child_process.h"

namespace parley::testing {

class MysqlServer {
 public:
  // Initialises the datadir, starts the server, waits until it accepts
  // connections and creates the database and user. Throws
  // std::runtime_error, with the server's log, on failure.
  MysqlServer();
  ~MysqlServer();
  MysqlServer(const MysqlServer&) = delete;
  MysqlServer& operator=(const MysqlServer&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  const std::string& database() const { return database_; }
  // mysql://user:password@127.0.0.1:port/parley
  std::string Url() const;

  // Clean shutdown (SIGTERM) and wait.
  void Stop();
  // SIGKILL: the crash case; InnoDB recovers on Restart.
  void Kill9();
  // Starts again (after Stop or Kill9) on the same port and datadir.
  void Restart();
  std::string Log() const;

 private:
  void Initialize();
  // One attempt on port_; false when the server exited (port taken).
  bool TryStart();
  // Runs `sql` as root over the Unix socket; throws on failure.
  void RunAsRoot(const std::string& sql);

  const std::string host_ = "127.0.0.1";
  const std::string user_ = "parley";
  const std::string password_ = "parley-test-password";
  const std::string database_ = "parley";
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
  ChildProcess process_;
};

}  // namespace parley::testing
