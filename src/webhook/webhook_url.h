#pragma once
// The --webhook-url: http://host[:port][/path][?query]. Only plain http for
// now: a receiver on the product's own network, or a TLS-terminating proxy
// (docs/protocol.md "Webhooks").

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::webhook {

struct WebhookUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
};

// 400 naming what is wrong.
base::Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

}  // namespace parley::webhook
