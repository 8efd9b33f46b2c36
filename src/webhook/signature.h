#pragma once
// The signature of a webhook POST (docs/protocol.md "Webhooks"):
//   X-Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// The receiver recomputes it with the shared secret and rejects a POST whose
// t is too old (replays). Threads: pure function.

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::webhook {

std::string Signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace parley::webhook
