#pragma once
// Reads a JWT's header before its signature is checked. libjwt's jwt_decode
// verifies with whatever "alg" the header claims, so the caller must choose
// the key from that claim itself: otherwise an HS256 token whose HMAC key is
// the (public) RSA PEM would verify against the public key's text
// ("algorithm confusion").

#include <string>
#include <string_view>

namespace parley::core {

// The header's "alg" ("HS256", "RS256", "none" ...), or "" when the token
// has no three segments, the header is not base64url JSON, or alg is not a
// string.
std::string TokenHeaderAlg(std::string_view token);

}  // namespace parley::core
