#pragma once
// Values in and out of a query. No Connector/C type appears here, so none
// leaves src/mysql/.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace parley::mysql {

// A statement parameter bound to a `?`: NULL, an integer or a string (any
// bytes: quotes, NUL and UTF-8 travel unchanged, never parsed as SQL).
using Param = std::variant<std::nullptr_t, std::int64_t, std::string>;

// One row: a column's text, or nullopt for SQL NULL. Numbers come as their
// decimal text, as in the text protocol.
using Row = std::vector<std::optional<std::string>>;

struct QueryResult {
  std::uint64_t affected_rows = 0;  // INSERT/UPDATE/DELETE; 0 for SELECT
  std::uint64_t last_insert_id = 0;
  std::vector<std::string> columns;  // names, for a statement with a result set
  std::vector<Row> rows;
};

}  // namespace parley::mysql
