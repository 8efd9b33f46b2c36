#pragma once
// Reply: one RESP reply as a plain value, so that no hiredis type leaves
// src/redis/. A tagged struct rather than std::variant: callers mostly ask
// "is it an error / nil / an integer" and read one field.
//
// Thread contract: a value type; no shared state.

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"

namespace parley::redis {

class Reply {
 public:
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  static Reply Nil() { return Reply(Type::kNil); }
  static Reply Integer(std::int64_t value);
  static Reply String(std::string value);
  static Reply Status(std::string value);
  static Reply Error(std::string message);
  static Reply Array(std::vector<Reply> elements);

  Type type() const { return type_; }
  bool IsNil() const { return type_ == Type::kNil; }
  bool IsInteger() const { return type_ == Type::kInteger; }
  bool IsString() const { return type_ == Type::kString; }
  bool IsStatus() const { return type_ == Type::kStatus; }
  bool IsError() const { return type_ == Type::kError; }
  bool IsArray() const { return type_ == Type::kArray; }

  std::int64_t integer() const { return integer_; }
  // The bytes of a string, status or error reply ("OK", "ERR unknown ...").
  const std::string& str() const { return str_; }
  const std::vector<Reply>& elements() const { return elements_; }
  std::vector<Reply>& elements() { return elements_; }

  // Conveniences for the common shapes; an error reply becomes a 500 naming
  // the Redis error, any other shape a 500 "unexpected reply".
  base::Result<std::int64_t> AsInteger() const;
  base::Result<std::string> AsString() const;  // string or status

  // For logs and test failure messages: `"abc"`, `(integer) 3`, `(nil)`, ...
  std::string DebugString() const;

 private:
  explicit Reply(Type type) : type_(type) {}

  Type type_ = Type::kNil;
  std::int64_t integer_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

}  // namespace parley::redis
