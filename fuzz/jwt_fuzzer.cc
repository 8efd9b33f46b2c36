// Tokens as clients present them (LOGIN, the WebSocket upgrade, media):
// core/jwt_header.h's header reading and AuthService::Verify with a fixed
// HS256 secret and a fixed RS256 product key (iss and aud configured).
// Random bytes rarely carry a valid signature, so three of the four modes
// sign what the fuzzer writes, to reach the checks after the signature:
//   0  the bytes are the token;
//   1  a header and claims of the fuzzer's, HMAC-SHA256 signed with the
//      secret: Verify may accept only when the header says HS256;
//   2  claims of the fuzzer's, RS256 signed by libjwt with the product key:
//      accepted only as a product token;
//   3  a header and claims, HMAC signed with the public key's PEM text
//      (algorithm confusion): never accepted.
// The mode comes from the last byte.

#include <fuzzer/FuzzedDataProvider.h>
#include <jwt.h>
#include <sodium.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/clock.h"
#include "core/auth_service.h"
#include "core/jwt_header.h"
#include "fuzz_check.h"
#include "jwt_keys.h"
#include "unit/core/memory_store.h"

namespace {

using namespace parley;
using fuzz::Check;

constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret!";

core::AuthService& Auth() {
  static core::testing::MemoryStore store;
  static base::FakeClock clock;
  static boost::asio::io_context io;
  static core::AuthService auth = [] {
    core::AuthOptions options;
    options.jwt_secret = std::string(kSecret);
    options.product.keys = {{"", fuzz::kRsaPublicKeyPem, core::ProductKeyAlg::kRs256}};
    options.product.issuer = "https://auth.example.com";
    options.product.audience = "parley";
    return core::AuthService(store, clock, std::move(options), io.get_executor());
  }();
  return auth;
}

std::string Base64Url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string HmacSigned(std::string_view header, std::string_view claims, std::string_view key) {
  std::string token = Base64Url(header) + "." + Base64Url(claims);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(token.data()),
                                token.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return token + "." + Base64Url({reinterpret_cast<const char*>(mac), sizeof mac});
}

// libjwt's own RS256 token of `claims`; "" when libjwt refuses the claims.
std::string RsaSigned(const std::string& claims) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  if (jwt_add_grants_json(jwt.get(), claims.c_str()) != 0) return {};
  const std::string_view pem = fuzz::kRsaPrivateKeyPem;
  if (jwt_set_alg(jwt.get(), JWT_ALG_RS256, reinterpret_cast<const unsigned char*>(pem.data()),
                  static_cast<int>(pem.size())) != 0) {
    return {};
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return {};
  std::string token(encoded);
  std::free(encoded);
  return token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const int mode = input.ConsumeIntegralInRange(0, 3);
  const core::AuthService& auth = Auth();
  switch (mode) {
    case 0: {
      const std::string token = input.ConsumeRemainingBytesAsString();
      (void)core::ReadTokenHeader(token);
      (void)auth.Verify(token);
      break;
    }
    case 1: {
      const std::string header = input.ConsumeRandomLengthString(size);
      const std::string token = HmacSigned(header, input.ConsumeRemainingBytesAsString(), kSecret);
      const auto verified = auth.Verify(token);
      if (verified) {
        Check(core::ReadTokenHeader(token).alg == "HS256", "a token not saying HS256 was accepted");
        Check(verified->source == core::TokenSource::kParley,
              "an HS256 token became a product one");
      }
      break;
    }
    case 2: {
      const std::string token = RsaSigned(input.ConsumeRemainingBytesAsString());
      if (token.empty()) break;
      const auto verified = auth.Verify(token);
      if (verified)
        Check(verified->source == core::TokenSource::kProduct, "RS256 not a product token");
      break;
    }
    case 3: {
      const std::string header = input.ConsumeRandomLengthString(size);
      const std::string token =
          HmacSigned(header, input.ConsumeRemainingBytesAsString(), fuzz::kRsaPublicKeyPem);
      Check(!auth.Verify(token), "a token signed with the public key's text was accepted");
      break;
    }
  }
  return 0;
}
