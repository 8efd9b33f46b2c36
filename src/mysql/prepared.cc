#include "mysql/prepared.h"

#include <cstring>
#include <memory>
#include <string>

namespace parley::mysql {
namespace {

// Columns are fetched into buffers of this size first; a longer value is
// fetched again into a buffer of its exact length (mysql_stmt_fetch_column),
// so small values cost no second call and big ones no guess.
constexpr std::size_t kInitialColumnBuffer = 256;

struct ResFree {
  void operator()(MYSQL_RES* res) const { mysql_free_result(res); }
};
using ResPtr = std::unique_ptr<MYSQL_RES, ResFree>;

std::vector<std::string> ColumnNames(MYSQL_RES* res) {
  std::vector<std::string> names;
  const unsigned count = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  names.reserve(count);
  for (unsigned i = 0; i < count; ++i) names.emplace_back(fields[i].name, fields[i].name_length);
  return names;
}

bool BindParams(MYSQL_STMT* stmt, const std::vector<Param>& params, std::vector<MYSQL_BIND>& binds,
                std::vector<long long>& ints, std::vector<unsigned long>& lengths) {
  binds.assign(params.size(), MYSQL_BIND{});
  ints.assign(params.size(), 0);
  lengths.assign(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    if (const auto* value = std::get_if<std::int64_t>(&params[i])) {
      ints[i] = *value;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &ints[i];
    } else if (const auto* text = std::get_if<std::string>(&params[i])) {
      lengths[i] = text->size();
      b.buffer_type = MYSQL_TYPE_STRING;
      // Connector/C only reads input buffers.
      b.buffer = const_cast<char*>(text->data());
      b.buffer_length = text->size();
      b.length = &lengths[i];
    } else {
      b.buffer_type = MYSQL_TYPE_NULL;
    }
  }
  return params.empty() || mysql_stmt_bind_param(stmt, binds.data()) == 0;
}

bool FetchRows(MYSQL_STMT* stmt, std::size_t columns, QueryResult* out) {
  std::vector<MYSQL_BIND> binds(columns, MYSQL_BIND{});
  std::vector<std::string> buffers(columns, std::string(kInitialColumnBuffer, '\0'));
  std::vector<unsigned long> lengths(columns, 0);
  std::vector<my_bool> nulls(columns, 0);
  std::vector<my_bool> truncated(columns, 0);
  for (std::size_t i = 0; i < columns; ++i) {
    binds[i].buffer_type = MYSQL_TYPE_STRING;  // the library converts numbers and dates
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = buffers[i].size();
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &truncated[i];
  }
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) return false;
  for (;;) {
    const int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) return true;
    if (rc == 1) return false;
    Row row(columns);
    for (std::size_t i = 0; i < columns; ++i) {
      if (nulls[i]) continue;
      if (lengths[i] <= buffers[i].size()) {
        row[i].emplace(buffers[i].data(), lengths[i]);
        continue;
      }
      std::string big(lengths[i], '\0');
      MYSQL_BIND whole{};
      whole.buffer_type = MYSQL_TYPE_STRING;
      whole.buffer = big.data();
      whole.buffer_length = big.size();
      unsigned long length = 0;
      whole.length = &length;
      if (mysql_stmt_fetch_column(stmt, &whole, static_cast<unsigned>(i), 0) != 0) return false;
      big.resize(length);
      row[i] = std::move(big);
    }
    out->rows.push_back(std::move(row));
  }
}

}  // namespace

bool ExecutePrepared(MYSQL_STMT* stmt, const std::vector<Param>& params, QueryResult* out) {
  std::vector<MYSQL_BIND> binds;
  std::vector<long long> ints;
  std::vector<unsigned long> lengths;
  if (!BindParams(stmt, params, binds, ints, lengths)) return false;
  if (mysql_stmt_execute(stmt) != 0) return false;
  ResPtr meta(mysql_stmt_result_metadata(stmt));
  if (!meta) {
    if (mysql_stmt_errno(stmt) != 0) return false;
    out->affected_rows = mysql_stmt_affected_rows(stmt);
    out->last_insert_id = mysql_stmt_insert_id(stmt);
    return true;
  }
  out->columns = ColumnNames(meta.get());
  // Buffer the whole result: the statement is then free for its next
  // execution whatever happens below.
  if (mysql_stmt_store_result(stmt) != 0) return false;
  const bool ok = FetchRows(stmt, out->columns.size(), out);
  mysql_stmt_free_result(stmt);
  return ok;
}

bool ReadTextResult(MYSQL* mysql, QueryResult* out) {
  ResPtr res(mysql_store_result(mysql));
  if (!res) {
    if (mysql_field_count(mysql) != 0) return false;  // a result set was due but failed
    out->affected_rows = mysql_affected_rows(mysql);
    out->last_insert_id = mysql_insert_id(mysql);
    return true;
  }
  out->columns = ColumnNames(res.get());
  const std::size_t columns = out->columns.size();
  while (MYSQL_ROW raw = mysql_fetch_row(res.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(res.get());
    Row row(columns);
    for (std::size_t i = 0; i < columns; ++i) {
      if (raw[i] != nullptr) row[i].emplace(raw[i], lengths[i]);
    }
    out->rows.push_back(std::move(row));
  }
  // mysql_fetch_row returns NULL both at the end and on a read error.
  return mysql_errno(mysql) == 0;
}

}  // namespace parley::mysql
