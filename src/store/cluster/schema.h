#pragma once
// The MySQL schema of the cluster store (docs/design.md "Logical tables"). The store runs
// these statements at start (CREATE TABLE IF NOT EXISTS: creating a fresh
// database, leaving an existing one alone); scripts/schema.sql is the same
// text for operators, and a test checks that the two match.
//
// Ids are compared and sorted bytewise (utf8mb4_bin), like std::string, so
// member lists come out of MySQL in the order the core expects.

#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

// One CREATE TABLE statement each, in creation order.
const std::vector<std::string_view>& SchemaStatements();

// scripts/schema.sql: a header comment, then every statement followed by ";".
std::string SchemaSqlFile();

}  // namespace parley::store
