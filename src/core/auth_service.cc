#include "core/auth_service.h"

#include <jwt.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <memory>

#include "base/ids.h"

namespace parley::core {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

base::Error Unauthenticated(std::string message) {
  return base::MakeError(base::Code::kUnauthenticated, std::move(message));
}

// argon2id with libsodium's "interactive" limits: ~64 MiB and tens of ms,
// the cost libsodium recommends for online logins.
std::string HashPassword(const std::string& password, bool minimum_cost) {
  char out[crypto_pwhash_STRBYTES];
  const auto ops = minimum_cost ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const auto mem = minimum_cost ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return {};  // out of memory
  }
  return out;
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace

AuthService::AuthService(Store& store, const base::Clock& clock, AuthOptions options,
                         asio::any_io_executor blocking_executor)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      blocking_executor_(std::move(blocking_executor)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (options_.jwt_secret.size() < 32) {
    throw std::runtime_error("the JWT secret must be at least 32 bytes");
  }
}

asio::awaitable<base::Result<std::string>> AuthService::Register(std::string user_id,
                                                                 std::string password) {
  if (!base::IsValidUserId(user_id)) {
    co_return base::MakeError(base::Code::kBadRequest,
                              "user_id must be 1-64 characters of [A-Za-z0-9_.-]");
  }
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    co_return base::MakeError(base::Code::kBadRequest, "password must be 1-1024 bytes");
  }
  std::string hash = co_await asio::co_spawn(
      blocking_executor_,
      [&]() -> asio::awaitable<std::string> {
        co_return HashPassword(password, options_.minimum_hash_cost);
      },
      asio::use_awaitable);
  if (hash.empty()) co_return base::MakeError(base::Code::kInternal, "password hashing failed");
  UserRecord user{user_id, std::move(hash), clock_.NowMs()};
  auto created = co_await store_.CreateUser(std::move(user));
  if (!created) co_return created.error();
  co_return IssueToken(user_id);
}

asio::awaitable<base::Result<std::string>> AuthService::Login(std::string user_id,
                                                              std::string password) {
  // One message for every failure, so the answer does not tell which ids exist.
  const base::Error wrong = Unauthenticated("wrong user_id or password");
  if (!base::IsValidUserId(user_id) || password.size() > kMaxPasswordBytes) co_return wrong;
  auto user = co_await store_.FindUser(user_id);
  if (!user) {
    if (user.error().code == base::Code::kNotFound) co_return wrong;
    co_return user.error();
  }
  const bool ok = co_await asio::co_spawn(
      blocking_executor_,
      [&]() -> asio::awaitable<bool> { co_return VerifyPassword(user->password_hash, password); },
      asio::use_awaitable);
  if (!ok) co_return wrong;
  co_return IssueToken(user_id);
}

std::string AuthService::IssueToken(std::string_view user_id) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPtr jwt(raw);
  const long now_s = static_cast<long>(clock_.NowMs() / 1000);
  const std::string sub(user_id);
  jwt_add_grant(jwt.get(), "sub", sub.c_str());
  jwt_add_grant_int(jwt.get(), "iat", now_s);
  jwt_add_grant_int(jwt.get(), "exp", now_s + static_cast<long>(options_.token_ttl.count()));
  jwt_set_alg(jwt.get(), JWT_ALG_HS256,
              reinterpret_cast<const unsigned char*>(options_.jwt_secret.data()),
              static_cast<int>(options_.jwt_secret.size()));
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return {};
  std::string token(encoded);
  std::free(encoded);
  return token;
}

base::Result<std::string> AuthService::VerifyToken(std::string_view token) const {
  if (token.empty() || token.size() > 4096) return Unauthenticated("invalid token");
  const std::string text(token);
  jwt_t* raw = nullptr;
  // jwt_decode checks the signature with our key; the algorithm is checked
  // separately below because a token may claim "alg":"none".
  if (jwt_decode(&raw, text.c_str(),
                 reinterpret_cast<const unsigned char*>(options_.jwt_secret.data()),
                 static_cast<int>(options_.jwt_secret.size())) != 0 ||
      raw == nullptr) {
    return Unauthenticated("invalid token");
  }
  JwtPtr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Unauthenticated("invalid token algorithm");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return Unauthenticated("token has no expiry");
  if (exp * 1000L <= clock_.NowMs()) return Unauthenticated("token expired");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || !base::IsValidUserId(sub)) return Unauthenticated("token names no valid user");
  return std::string(sub);
}

}  // namespace parley::core
