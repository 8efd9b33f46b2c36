#pragma once
// Structured fields of one log line (docs/operations.md "Logs"). The text
// log shows only the message, which names them already ("conn 12 open tcp
// peer 1.2.3.4:5 user alice"); the JSON log (base/json_log_formatter.h)
// also gives each field a key of its own, for log shippers:
//
//   const base::LogField fields[] = {{"conn", id}, {"user", user_id}};
//   const base::ScopedLogFields scope(fields);
//   spdlog::info("conn {} open ... user {}", id, ..., user_id);
//
// The fields reach the formatter through a thread-local, so they work with
// spdlog's synchronous loggers (formatting on the logging thread), which is
// what parleyd uses (app/main.cc). A scope must never span a co_await: the
// coroutine may resume on another thread, and other coroutines would log
// with its fields meanwhile.
//
// Threads: per thread; the fields' strings must outlive the scope.

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace parley::base {

struct LogField {
  LogField(std::string_view field_key, std::string_view text) : key(field_key), value(text) {}
  LogField(std::string_view field_key, std::uint64_t number) : key(field_key), value(number) {}

  std::string_view key;
  // A string (an empty one is left out of the line: "user" before LOGIN) or
  // a number.
  std::variant<std::string_view, std::uint64_t> value;
};

// Makes `fields` the current thread's log fields until destroyed, then
// restores the previous ones.
class ScopedLogFields {
 public:
  explicit ScopedLogFields(std::span<const LogField> fields);
  ~ScopedLogFields();
  ScopedLogFields(const ScopedLogFields&) = delete;
  ScopedLogFields& operator=(const ScopedLogFields&) = delete;

 private:
  std::span<const LogField> previous_;
};

// The fields of the innermost live scope on this thread; empty when none.
std::span<const LogField> CurrentLogFields();

}  // namespace parley::base
