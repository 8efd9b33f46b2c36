#pragma once
// The --webhook-url: http[s]://host[:port][/path][?query] (docs/protocol.md
// "Webhooks"). https verifies the receiver's certificate and host name.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::webhook {

enum class Scheme { kHttp, kHttps };

struct WebhookUrl {
  Scheme scheme = Scheme::kHttp;
  std::string host;
  std::uint16_t port = 80;   // 443 by default for https
  std::string target = "/";  // path and query
};

// 400 naming what is wrong.
base::Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

}  // namespace parley::webhook
