#pragma once
// Session: one blocking MariaDB Connector/C connection. It is what a Pool
// worker thread owns and what a Transaction's function gets.
//
// Execute never reconnects by itself: a statement that finds the connection
// lost answers 503 and leaves the session disconnected, so that a transaction
// can never continue on a fresh connection where its BEGIN is gone. The pool
// reconnects between jobs (EnsureConnected), and within read-only work that
// found its idle connection closed by a server restart (pool.h, Access).
//
// Errors: 503 "mysql unavailable: ..." for a lost or refused connection (and
// for deadlocks / lock wait timeouts, which a retry may cure), 409 for a
// duplicate key, 400 for a wrong parameter count, 500 otherwise, each naming
// the server's message.
//
// Thread contract: not thread-safe; used by one thread at a time (its
// worker). Blocking: never call it on an I/O thread.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "mysql/options.h"
#include "mysql/query_result.h"

struct st_mysql;
struct st_mysql_stmt;

namespace parley::mysql {

// Connector/C's global state, set up once before any thread uses the
// library (Pool and BlockingSessions call it). Throws std::runtime_error
// when the library cannot start.
void InitLibrary();

class Session {
 public:
  explicit Session(Options options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one statement as text (no parameters; anything but untrusted input).
  base::Result<QueryResult> Execute(std::string_view sql);
  // Runs one statement with `?` placeholders bound to `params`, as a prepared
  // statement: parameters are sent as data, never parsed as SQL. Statements
  // are prepared once per connection and cached.
  base::Result<QueryResult> Execute(std::string_view sql, const std::vector<Param>& params);

  bool connected() const { return mysql_ != nullptr; }
  // Connects unless connected. After a failed attempt, further calls answer
  // 503 at once until the backoff (Options::reconnect_min..max) has passed,
  // so that a queue of queries drains quickly while the server is down.
  base::Result<void> EnsureConnected();
  void Disconnect();
  // True when the last statement failed because the server had closed the
  // connection (CR_SERVER_LOST, CR_SERVER_GONE_ERROR: e.g. after a restart);
  // the session is then disconnected. False again once reconnected.
  bool connection_lost() const { return connection_lost_; }

 private:
  base::Result<void> Connect();
  base::Result<st_mysql_stmt*> Prepare(std::string_view sql);
  // Maps the connection's last error, dropping the connection when it is no
  // longer usable.
  base::Error ConnectionError(const char* step);
  base::Error StatementError(st_mysql_stmt* stmt, const std::string& sql, const char* step);
  base::Error MapError(unsigned code, const char* message, const char* step);
  void ForgetStatements();

  const Options options_;
  st_mysql* mysql_ = nullptr;
  std::unordered_map<std::string, st_mysql_stmt*> statements_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_;
  bool connection_lost_ = false;
};

}  // namespace parley::mysql
