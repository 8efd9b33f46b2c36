#include "core/auth_service.h"

#include <jwt.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "base/ids.h"
#include "core/jwt_header.h"

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

base::Error Banned() { return base::MakeError(base::Code::kForbidden, "user is banned"); }

// Whether `user` may use a token issued at `issued_at_ms`.
base::Result<void> CheckStanding(const UserRecord& user, std::int64_t issued_at_ms) {
  if (user.standing == UserStanding::kBanned) return Banned();
  if (issued_at_ms < user.tokens_valid_after) {
    return Unauthenticated("token revoked: the user logged out everywhere; log in again");
  }
  return {};
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  // A user provisioned from a product token has no password at all.
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// When a token was issued: Parley's tokens carry iat_ms, others iat (s).
// An iat whose ms do not fit int64 says nothing (0), which CheckStanding
// treats as issued before any log-out-everywhere: never as "issued later".
std::int64_t IssuedAtMs(jwt_t* jwt, TokenSource source) {
  errno = 0;
  if (source == TokenSource::kParley) {
    const long ms = jwt_get_grant_int(jwt, "iat_ms");
    if (errno == 0) return ms;
    errno = 0;
  }
  const long seconds = jwt_get_grant_int(jwt, "iat");
  constexpr long kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000;
  if (errno != 0 || seconds > kMaxSeconds || seconds < -kMaxSeconds) return 0;
  return static_cast<std::int64_t>(seconds) * 1000;
}

// The key a token's claimed alg selects and the alg libjwt must report after
// decoding with it.
struct VerificationKey {
  std::string_view key;
  jwt_alg_t alg = JWT_ALG_NONE;
  TokenSource source = TokenSource::kParley;
};

const char* AlgName(ProductKeyAlg alg) {
  switch (alg) {
    case ProductKeyAlg::kRs256: return "RS256";
    case ProductKeyAlg::kEs256: return "ES256";
    case ProductKeyAlg::kNone: break;
  }
  return "";
}

jwt_alg_t JwtAlg(ProductKeyAlg alg) {
  switch (alg) {
    case ProductKeyAlg::kRs256: return JWT_ALG_RS256;
    case ProductKeyAlg::kEs256: return JWT_ALG_ES256;
    case ProductKeyAlg::kNone: break;
  }
  return JWT_ALG_NONE;
}

// HS256 goes with the secret and only a key's pinned alg with that public
// key; every other alg ("none", the other asymmetric family, HS384 ...) is
// refused before any key is used, so a public PEM never serves as an HMAC
// secret. A product token names its key by "kid"; without one, the only key
// of its alg serves (--jwt-public-key, or a JWKS of one key per alg).
std::optional<VerificationKey> KeyFor(const AuthOptions& options,
                                      const std::vector<ProductKey>& product_keys,
                                      const TokenHeader& header) {
  if (header.alg == "HS256") {
    return VerificationKey{options.jwt_secret, JWT_ALG_HS256, TokenSource::kParley};
  }
  const ProductKey* chosen = nullptr;
  for (const ProductKey& key : product_keys) {
    if (key.alg == ProductKeyAlg::kNone || header.alg != AlgName(key.alg)) continue;
    if (!header.kid.empty()) {
      if (key.kid == header.kid) chosen = &key;
      continue;
    }
    if (chosen != nullptr) return std::nullopt;  // ambiguous without a kid
    chosen = &key;
  }
  if (chosen == nullptr) return std::nullopt;
  return VerificationKey{chosen->public_key_pem, JwtAlg(chosen->alg), TokenSource::kProduct};
}

// "aud" is a string or an array of strings (RFC 7519 section 4.1.3).
bool NamesAudience(jwt_t* jwt, const std::string& audience) {
  if (const char* aud = jwt_get_grant(jwt, "aud")) return audience == aud;
  char* encoded = jwt_get_grants_json(jwt, "aud");
  if (encoded == nullptr) return false;
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(encoded, ec);
  std::free(encoded);
  if (ec || !parsed.is_array()) return false;
  for (const boost::json::value& entry : parsed.as_array()) {
    if (entry.is_string() && entry.as_string() == audience) return true;
  }
  return false;
}

// The product's iss / aud, when configured: a token the backend issued for
// another service must not open a Parley session.
base::Result<void> CheckProductClaims(jwt_t* jwt, const ProductTokenOptions& product) {
  if (!product.issuer.empty()) {
    const char* iss = jwt_get_grant(jwt, "iss");
    if (iss == nullptr || product.issuer != iss) return Unauthenticated("token has the wrong iss");
  }
  if (!product.audience.empty() && !NamesAudience(jwt, product.audience)) {
    return Unauthenticated("token has the wrong aud");
  }
  return {};
}

}  // namespace

AuthService::AuthService(Store& store, const base::Clock& clock, AuthOptions options,
                         asio::any_io_executor blocking_executor)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      blocking_executor_(std::move(blocking_executor)),
      product_keys_(std::make_shared<const std::vector<ProductKey>>(options_.product.keys)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (options_.jwt_secret.size() < 32) {
    throw std::runtime_error("the JWT secret must be at least 32 bytes");
  }
}

asio::awaitable<base::Result<std::string>> AuthService::Register(std::string user_id,
                                                                 std::string password) {
  std::optional<std::string> required(std::move(password));
  auto created = co_await CreateUser(user_id, std::move(required));
  if (!created) co_return created.error();
  co_return IssueToken(user_id);
}

asio::awaitable<base::Result<void>> AuthService::CreateUser(std::string user_id,
                                                            std::optional<std::string> password) {
  if (!base::IsValidUserId(user_id)) {
    co_return base::MakeError(base::Code::kBadRequest,
                              "user_id must be 1-64 characters of [A-Za-z0-9_.-]");
  }
  std::string hash;  // empty: no password (like a provisioned user)
  if (password) {
    if (password->empty() || password->size() > kMaxPasswordBytes) {
      co_return base::MakeError(base::Code::kBadRequest, "password must be 1-1024 bytes");
    }
    hash = co_await asio::co_spawn(
        blocking_executor_,
        [&]() -> asio::awaitable<std::string> {
          co_return HashPassword(*password, options_.minimum_hash_cost);
        },
        asio::use_awaitable);
    if (hash.empty()) co_return base::MakeError(base::Code::kInternal, "password hashing failed");
  }
  UserRecord user{std::move(user_id), std::move(hash), clock_.NowMs()};
  co_return co_await store_.CreateUser(std::move(user));
}

asio::awaitable<base::Result<std::string>> AuthService::MintToken(std::string user_id,
                                                                  std::chrono::seconds ttl) {
  if (!base::IsValidUserId(user_id)) co_return base::MakeError(base::Code::kBadRequest, "invalid user_id");
  auto user = co_await store_.FindUser(user_id);
  if (!user) co_return user.error();
  if (user->standing == UserStanding::kBanned) co_return Banned();
  co_return IssueToken(user_id, ttl);
}

bool AuthService::IsApiKey(std::string_view presented) const {
  bool match = false;
  for (const std::string& key : options_.api_keys) {
    // Every key is compared (no early exit), each in constant time.
    if (key.size() == presented.size() &&
        sodium_memcmp(key.data(), presented.data(), key.size()) == 0) {
      match = true;
    }
  }
  return match;
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
  if (user->standing == UserStanding::kBanned) co_return Banned();
  co_return IssueToken(user_id);
}

std::string AuthService::IssueToken(std::string_view user_id) const {
  return IssueToken(user_id, options_.token_ttl);
}

std::string AuthService::IssueToken(std::string_view user_id, std::chrono::seconds ttl) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPtr jwt(raw);
  const long now_s = static_cast<long>(clock_.NowMs() / 1000);
  const std::string sub(user_id);
  jwt_add_grant(jwt.get(), "sub", sub.c_str());
  jwt_add_grant_int(jwt.get(), "iat", now_s);
  // iat has whole seconds; a log-out-everywhere needs to tell a token minted
  // just before it from one minted just after.
  jwt_add_grant_int(jwt.get(), "iat_ms", static_cast<long>(clock_.NowMs()));
  jwt_add_grant_int(jwt.get(), "exp", now_s + static_cast<long>(ttl.count()));
  jwt_set_alg(jwt.get(), JWT_ALG_HS256,
              reinterpret_cast<const unsigned char*>(options_.jwt_secret.data()),
              static_cast<int>(options_.jwt_secret.size()));
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return {};
  std::string token(encoded);
  std::free(encoded);
  return token;
}

void AuthService::SetProductKeys(std::vector<ProductKey> keys) {
  auto fresh = std::make_shared<const std::vector<ProductKey>>(std::move(keys));
  std::lock_guard lock(product_keys_mu_);
  product_keys_ = std::move(fresh);
}

std::shared_ptr<const std::vector<ProductKey>> AuthService::ProductKeys() const {
  std::lock_guard lock(product_keys_mu_);
  return product_keys_;
}

base::Result<VerifiedToken> AuthService::Verify(std::string_view token) const {
  if (token.empty() || token.size() > 4096) return Unauthenticated("invalid token");
  // Held for the whole check: a reload meanwhile does not free the PEM.
  const std::shared_ptr<const std::vector<ProductKey>> product_keys = ProductKeys();
  const std::optional<VerificationKey> key =
      KeyFor(options_, *product_keys, ReadTokenHeader(token));
  if (!key) return Unauthenticated("invalid token algorithm");
  const std::string text(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->key.data()),
                 static_cast<int>(key->key.size())) != 0 ||
      raw == nullptr) {
    return Unauthenticated("invalid token");
  }
  JwtPtr jwt(raw);
  // Defence in depth: libjwt must have checked with the alg the key was chosen for.
  if (jwt_get_alg(jwt.get()) != key->alg) return Unauthenticated("invalid token algorithm");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return Unauthenticated("token has no expiry");
  // In seconds: exp * 1000 overflows for an exp far in the future.
  if (exp <= clock_.NowMs() / 1000) return Unauthenticated("token expired");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || !base::IsValidUserId(sub)) {
    return Unauthenticated("token names no valid user");
  }
  if (key->source == TokenSource::kProduct) {
    base::Result<void> claims = CheckProductClaims(jwt.get(), options_.product);
    if (!claims) return claims.error();
  }
  return VerifiedToken{std::string(sub), key->source, IssuedAtMs(jwt.get(), key->source)};
}

asio::awaitable<base::Result<VerifiedToken>> AuthService::Admit(std::string token) {
  base::Result<VerifiedToken> verified = Verify(token);
  if (!verified) co_return verified.error();
  auto user = co_await store_.FindUser(verified->user_id);
  if (user) {
    PARLEY_CO_RETURN_IF_ERROR(CheckStanding(*user, verified->issued_at_ms));
    co_return verified;
  }
  if (user.error().code != base::Code::kNotFound) co_return user.error();
  if (verified->source == TokenSource::kProduct) {
    PARLEY_CO_RETURN_IF_ERROR(co_await ProvisionUser(verified->user_id));
  }
  co_return verified;
}

asio::awaitable<base::Result<void>> AuthService::ProvisionUser(std::string user_id) {
  auto found = co_await store_.FindUser(user_id);
  if (found) co_return base::Result<void>{};
  if (found.error().code != base::Code::kNotFound) co_return found.error();
  // A named record, as in Register: GCC 12 destroys a temporary aggregate
  // argument of a coroutine call twice.
  UserRecord user{std::move(user_id), std::string(), clock_.NowMs()};
  auto created = co_await store_.CreateUser(std::move(user));
  // 409: a concurrent first login created it; either way the user exists.
  if (!created && created.error().code != base::Code::kConflict) co_return created.error();
  co_return base::Result<void>{};
}

}  // namespace parley::core
