#pragma once
// --jwt-jwks FILE: the product backend's public keys as a JSON Web Key Set
// (RFC 7517), {"keys":[{"kty":"RSA","kid","n","e"} | {"kty":"EC","crv":"P-256",
// "kid","x","y"}]}. Each key's type pins its algorithm (RSA: RS256, EC P-256:
// ES256); a key whose "alg" says otherwise, or whose "use" is not "sig", is
// an error, as is a set without keys or with two keys of one kid. Read at
// start and again on SIGHUP (reload_actions.h): a bad file then keeps the
// keys in use.

#include <string>
#include <vector>

#include "base/error.h"
#include "core/auth_service.h"

namespace parley::app {

// 400 naming the file and what is wrong.
base::Result<std::vector<core::ProductKey>> ReadJwks(const std::string& path);

}  // namespace parley::app
