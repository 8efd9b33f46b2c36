#include "mysql/session.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "mysql/prepared.h"

namespace parley::mysql {
namespace {

// Prepared statements kept per connection. The store uses a few dozen
// distinct statements; past the cap (ad-hoc SQL) the cache starts over rather
// than grow.
constexpr std::size_t kMaxCachedStatements = 128;

base::Error Unavailable(const std::string& why) {
  return base::MakeError(base::Code::kUnavailable, "mysql unavailable: " + why);
}

// Client-side errors (Connector/C's 2000s and 5000s) and the server's "you
// are being disconnected" errors leave a connection that cannot be trusted
// with another statement.
bool ConnectionUnusable(unsigned code) {
  return (code >= 2000 && code < 3000) || (code >= 5000 && code < 6000) ||
         code == ER_SERVER_SHUTDOWN || code == ER_CONNECTION_KILLED;
}

}  // namespace

void InitLibrary() {
  static const bool initialized = [] {
    if (mysql_library_init(0, nullptr, nullptr) != 0) {
      throw std::runtime_error("mysql_library_init failed");
    }
    return true;
  }();
  (void)initialized;
}

Session::Session(Options options)
    : options_(std::move(options)), backoff_(options_.reconnect_min) {}

Session::~Session() { Disconnect(); }

base::Result<void> Session::EnsureConnected() {
  if (mysql_) return {};
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return Unavailable("reconnecting");
  base::Result<void> connected = Connect();
  if (connected) {
    backoff_ = options_.reconnect_min;
  } else {
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  }
  return connected;
}

base::Result<void> Session::Connect() {
  MYSQL* mysql = mysql_init(nullptr);
  if (!mysql) return base::MakeError(base::Code::kInternal, "mysql_init: out of memory");
  const unsigned connect_timeout = static_cast<unsigned>(options_.connect_timeout.count());
  const unsigned read_timeout = static_cast<unsigned>(options_.read_timeout.count());
  const unsigned write_timeout = static_cast<unsigned>(options_.write_timeout.count());
  // Our own reconnect, between jobs only: the library's would silently lose
  // a transaction's BEGIN and session state.
  const my_bool no_reconnect = 0;
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(mysql, MYSQL_OPT_RECONNECT, &no_reconnect);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // No CLIENT_MULTI_STATEMENTS: one statement per call, so a string that
  // slipped into SQL text still cannot append a second statement.
  if (!mysql_real_connect(mysql, options_.host.c_str(), options_.user.c_str(),
                          options_.password.c_str(),
                          options_.database.empty() ? nullptr : options_.database.c_str(),
                          options_.port, nullptr, 0)) {
    base::Error error = Unavailable("connect " + options_.host + ":" +
                                    std::to_string(options_.port) + ": " + mysql_error(mysql));
    mysql_close(mysql);
    return error;
  }
  mysql_ = mysql;
  connection_lost_ = false;
  return {};
}

void Session::Disconnect() {
  ForgetStatements();
  if (mysql_) mysql_close(mysql_);
  mysql_ = nullptr;
}

void Session::ForgetStatements() {
  for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
  statements_.clear();
}

base::Error Session::MapError(unsigned code, const char* message, const char* step) {
  const std::string text = std::string(step) + ": (" + std::to_string(code) + ") " + message;
  if (ConnectionUnusable(code)) {
    connection_lost_ = code == CR_SERVER_LOST || code == CR_SERVER_GONE_ERROR;
    Disconnect();
    return Unavailable(text);
  }
  switch (code) {
    case ER_DUP_ENTRY:
      return base::MakeError(base::Code::kConflict, "mysql: " + text);
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
      return base::MakeError(base::Code::kUnavailable, "mysql busy: " + text);
    default:
      return base::MakeError(base::Code::kInternal, "mysql: " + text);
  }
}

base::Error Session::ConnectionError(const char* step) {
  return MapError(mysql_errno(mysql_), mysql_error(mysql_), step);
}

base::Error Session::StatementError(MYSQL_STMT* stmt, const std::string& sql, const char* step) {
  const unsigned code = mysql_stmt_errno(stmt);
  const std::string message = mysql_stmt_error(stmt);
  // A statement that failed may be in any state: prepare it afresh next time.
  // (MapError may already have closed it with the connection.)
  if (auto it = statements_.find(sql); it != statements_.end() && it->second == stmt) {
    mysql_stmt_close(stmt);
    statements_.erase(it);
  }
  return MapError(code, message.c_str(), step);
}

base::Result<QueryResult> Session::Execute(std::string_view sql) {
  if (!mysql_) return Unavailable("not connected");
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return ConnectionError("query");
  QueryResult result;
  if (!ReadTextResult(mysql_, &result)) return ConnectionError("read result");
  return result;
}

base::Result<MYSQL_STMT*> Session::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  if (statements_.size() >= kMaxCachedStatements) ForgetStatements();
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (!stmt) return ConnectionError("prepare");
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    const unsigned code = mysql_stmt_errno(stmt);
    const std::string message = mysql_stmt_error(stmt);
    mysql_stmt_close(stmt);
    return MapError(code, message.c_str(), "prepare");
  }
  statements_.emplace(std::move(key), stmt);
  return stmt;
}

base::Result<QueryResult> Session::Execute(std::string_view sql, const std::vector<Param>& params) {
  if (!mysql_) return Unavailable("not connected");
  PARLEY_ASSIGN_OR_RETURN(MYSQL_STMT * stmt, Prepare(sql));
  const unsigned long expected = mysql_stmt_param_count(stmt);
  if (expected != params.size()) {
    return base::MakeError(base::Code::kBadRequest,
                           "mysql: statement has " + std::to_string(expected) +
                               " placeholders, got " + std::to_string(params.size()) +
                               " parameters");
  }
  QueryResult result;
  if (!ExecutePrepared(stmt, params, &result)) {
    return StatementError(stmt, std::string(sql), "execute");
  }
  return result;
}

}  // namespace parley::mysql
