#pragma once
// Binding parameters to and fetching rows from a Connector/C prepared
// statement. Internal to src/mysql/.

#include <mysql.h>

#include <vector>

#include "base/error.h"
#include "mysql/query_result.h"

namespace parley::mysql {

// Binds `params` and executes `stmt`, then reads its whole result set (if
// any). On failure returns false and leaves the error in the statement
// (mysql_stmt_errno); `out` is then unspecified.
bool ExecutePrepared(MYSQL_STMT* stmt, const std::vector<Param>& params, QueryResult* out);

// Reads a text-protocol result after mysql_real_query. False on error (in
// mysql_errno).
bool ReadTextResult(MYSQL* mysql, QueryResult* out);

}  // namespace parley::mysql
