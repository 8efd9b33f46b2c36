#pragma once
// Error values shared by every layer. The codes are the wire codes of the
// protocol (docs/protocol.md "Error codes"): an error raised in the store reaches the client
// unchanged, so one enum serves all layers instead of one per layer.

#include <boost/system/result.hpp>

#include <string>
#include <utility>

namespace parley::base {

enum class Code : int {
  kOk = 0,
  kBadRequest = 400,
  kUnauthenticated = 401,
  kForbidden = 403,
  kNotFound = 404,
  kConflict = 409,
  kTooLarge = 413,
  kRateLimited = 429,
  kInternal = 500,
  kUnavailable = 503,
};

// A short stable name for logs and metrics ("bad_request", ...).
const char* CodeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string message;
};

inline Error MakeError(Code code, std::string message) { return Error{code, std::move(message)}; }

// Called by boost::system::result<T, Error>::value() when it holds an error.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace parley::base

// `PARLEY_ASSIGN_OR_RETURN(auto x, Expr());` declares x from a Result, or
// returns its error from the enclosing function. The CO_ form does co_return.
#define PARLEY_CONCAT_INNER(a, b) a##b
#define PARLEY_CONCAT(a, b) PARLEY_CONCAT_INNER(a, b)
#define PARLEY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, ret) \
  auto tmp = (expr);                                      \
  if (!tmp) ret tmp.error();                              \
  lhs = std::move(*tmp)
#define PARLEY_ASSIGN_OR_RETURN(lhs, expr) \
  PARLEY_ASSIGN_OR_RETURN_IMPL(PARLEY_CONCAT(parley_result_, __LINE__), lhs, expr, return)
// Returns the error of a base::Result (of any T) from the enclosing function.
#define PARLEY_TRY(expr)                                      \
  do {                                                        \
    auto parley_try_result = (expr);                          \
    if (!parley_try_result) return parley_try_result.error(); \
  } while (false)
#define PARLEY_CO_RETURN_IF_ERROR(expr)          \
  do {                                           \
    auto parley_status = (expr);                 \
    if (!parley_status) co_return parley_status.error(); \
  } while (false)
#define PARLEY_CO_ASSIGN_OR_RETURN(lhs, expr) \
  PARLEY_ASSIGN_OR_RETURN_IMPL(PARLEY_CONCAT(parley_result_, __LINE__), lhs, expr, co_return)
