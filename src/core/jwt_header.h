#pragma once
// Reads a JWT's header before its signature is checked. libjwt's jwt_decode
// verifies with whatever "alg" the header claims, so the caller must choose
// the key from that claim itself: otherwise an HS256 token whose HMAC key is
// the (public) RSA PEM would verify against the public key's text
// ("algorithm confusion").

#include <string>
#include <string_view>

namespace parley::core {

struct TokenHeader {
  std::string alg;  // "HS256", "RS256", "none" ...
  std::string kid;  // "": none
};

// The header's "alg" and "kid"; each "" when the token has no three
// segments, the header is not base64url JSON, or the field is not a string.
TokenHeader ReadTokenHeader(std::string_view token);

}  // namespace parley::core
