#pragma once
// Registration, password login and JWT tokens (docs/protocol.md "Authentication").
//
// Passwords are hashed with argon2id (libsodium). Hashing costs tens of
// milliseconds on purpose, so it runs on `blocking_executor` (a small thread
// pool) and never on an I/O thread. Tokens are JWT HS256 (libjwt) with `sub`
// = user id and `exp`.
//
// Threads: all methods are safe from any thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "core/store.h"

namespace parley::core {

struct AuthOptions {
  std::string jwt_secret;  // HS256 key; at least 32 bytes
  std::chrono::seconds token_ttl{std::chrono::hours(24 * 7)};
  bool insecure = false;  // --auth=insecure: WebSocket may name its user with ?user_id=
  // libsodium's minimum argon2id cost instead of "interactive": for tests and
  // benchmarks that register thousands of users, never for production.
  bool minimum_hash_cost = false;
};

class AuthService {
 public:
  AuthService(Store& store, const base::Clock& clock, AuthOptions options,
              asio::any_io_executor blocking_executor);

  // Creates the user and returns a token. 400 for an invalid id or a password
  // shorter than 1 or longer than 1024 bytes; 409 when the id is taken.
  asio::awaitable<base::Result<std::string>> Register(std::string user_id, std::string password);

  // Checks the password and returns a token. 401 for an unknown user or a
  // wrong password (the same message for both).
  asio::awaitable<base::Result<std::string>> Login(std::string user_id, std::string password);

  // The user id a valid token names. 401 for a malformed, forged (wrong key,
  // alg other than HS256) or expired token.
  base::Result<std::string> VerifyToken(std::string_view token) const;

  std::string IssueToken(std::string_view user_id) const;

  bool insecure() const { return options_.insecure; }

 private:
  Store& store_;
  const base::Clock& clock_;
  AuthOptions options_;
  asio::any_io_executor blocking_executor_;
};

}  // namespace parley::core
