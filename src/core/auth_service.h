#pragma once
// Registration, password login and JWT tokens (docs/protocol.md "Authentication").
//
// Passwords are hashed with argon2id (libsodium). Hashing costs tens of
// milliseconds on purpose, so it runs on `blocking_executor` (a small thread
// pool) and never on an I/O thread. Tokens are JWT HS256 (libjwt) with `sub`
// = user id and `exp`; with --jwt-public-key, RS256 or ES256 tokens signed
// by the product's backend are accepted too.
//
// Threads: all methods are safe from any thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "core/store.h"
#include "core/token_source.h"

namespace parley::core {

// The algorithm of the product's backend tokens, pinned to the type of
// --jwt-public-key so a token cannot choose how it is checked.
enum class ProductKeyAlg { kNone, kRs256, kEs256 };

// One public key of the product's backend: from --jwt-public-key (kid
// empty), or one entry of --jwt-jwks (its "kid").
struct ProductKey {
  std::string kid;
  std::string public_key_pem;
  ProductKeyAlg alg = ProductKeyAlg::kNone;
};

// Tokens signed by the product's backend: verified with the key the token's
// header "kid" names (or, for a token without kid, the only key of its
// alg), optionally required to name `issuer` / `audience`.
struct ProductTokenOptions {
  std::vector<ProductKey> keys;  // empty: product tokens are not accepted
  std::string issuer;    // empty: iss is not checked
  std::string audience;  // empty: aud is not checked
};

struct VerifiedToken {
  std::string user_id;
  TokenSource source = TokenSource::kParley;
  // When the token was issued (ms since the epoch; a product token's `iat`
  // has whole seconds); 0 when it does not say.
  std::int64_t issued_at_ms = 0;
};

struct AuthOptions {
  std::string jwt_secret;  // HS256 key; at least 32 bytes
  std::chrono::seconds token_ttl{std::chrono::hours(24 * 7)};
  bool insecure = false;  // --auth=insecure: WebSocket may name its user with ?user_id=
  // libsodium's minimum argon2id cost instead of "interactive": for tests and
  // benchmarks that register thousands of users, never for production.
  bool minimum_hash_cost = false;
  ProductTokenOptions product{};  // --jwt-public-key, --jwt-issuer, --jwt-audience
  // Keys of the server API (/api/admin/, --api-key); empty: the API is off.
  std::vector<std::string> api_keys{};
};

class AuthService {
 public:
  AuthService(Store& store, const base::Clock& clock, AuthOptions options,
              asio::any_io_executor blocking_executor);

  // Creates the user and returns a token. 400 for an invalid id or a password
  // shorter than 1 or longer than 1024 bytes; 409 when the id is taken.
  asio::awaitable<base::Result<std::string>> Register(std::string user_id, std::string password);

  // Checks the password and returns a token. 401 for an unknown user or a
  // wrong password (the same message for both); 403 for a banned user with
  // the right password.
  asio::awaitable<base::Result<std::string>> Login(std::string user_id, std::string password);

  // The user id a valid token names and who signed it. 401 for a malformed,
  // forged (wrong key, alg other than HS256 or the product key's pinned alg)
  // or expired token, and for a product token without the configured iss / aud.
  base::Result<VerifiedToken> Verify(std::string_view token) const;

  // The user a token lets in now: Verify, then the user's record: 403 while
  // the user is banned, 401 for a token issued before the user's last
  // log-out-everywhere. A product token's unknown user is provisioned
  // (ProvisionUser); a Parley token's unknown user is let in as before
  // (--auth=insecure deployments and tests have users without records).
  asio::awaitable<base::Result<VerifiedToken>> Admit(std::string token);

  // Creates the record of a user first seen in a product token, without a
  // password (password LOGIN stays impossible for it), so other users can
  // address it. Succeeds when the user already exists.
  asio::awaitable<base::Result<void>> ProvisionUser(std::string user_id);

  std::string IssueToken(std::string_view user_id) const;
  // The same with its own lifetime (the server API's minted tokens).
  std::string IssueToken(std::string_view user_id, std::chrono::seconds ttl) const;

  // Creates a user for the product's backend (server API): with a password
  // (hashed like Register's) or without (password LOGIN then stays
  // impossible; the backend mints its tokens). 400 invalid id or password,
  // 409 taken.
  asio::awaitable<base::Result<void>> CreateUser(std::string user_id,
                                                 std::optional<std::string> password);

  // A token for an existing user with its own lifetime (server API). 404
  // when there is no such user, 403 while it is banned.
  asio::awaitable<base::Result<std::string>> MintToken(std::string user_id,
                                                       std::chrono::seconds ttl);

  // Whether `presented` is one of the --api-key keys, compared in constant
  // time per key. False when the API is off.
  bool IsApiKey(std::string_view presented) const;
  bool api_enabled() const { return !options_.api_keys.empty(); }
  std::chrono::seconds token_ttl() const { return options_.token_ttl; }

  // Replaces the product's keys (a JWKS reloaded on SIGHUP): tokens verified
  // from now on use `keys`; iss and aud stay as configured.
  void SetProductKeys(std::vector<ProductKey> keys);

  bool insecure() const { return options_.insecure; }

 private:
  Store& store_;
  const base::Clock& clock_;
  std::shared_ptr<const std::vector<ProductKey>> ProductKeys() const;

  AuthOptions options_;  // options_.product.keys: see product_keys_
  asio::any_io_executor blocking_executor_;
  mutable std::mutex product_keys_mu_;
  std::shared_ptr<const std::vector<ProductKey>> product_keys_;  // guarded by product_keys_mu_
};

}  // namespace parley::core
