#include "webhook/webhook_url.h"

#include <boost/url/parse.hpp>

#include <charconv>

namespace parley::webhook {

base::Result<WebhookUrl> ParseWebhookUrl(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return base::MakeError(base::Code::kBadRequest,
                           "--webhook-url '" + std::string(text) + "': " + why);
  };
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return bad("not an absolute URL");
  WebhookUrl url;
  if (parsed->scheme() == "https") {
    url.scheme = Scheme::kHttps;
    url.port = 443;
  } else if (parsed->scheme() != "http") {
    return bad("the scheme must be http or https");
  }
  url.host = std::string(parsed->encoded_host());
  if (url.host.empty()) return bad("no host");
  if (parsed->has_port()) {
    const std::string_view port = parsed->port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.target = std::string(parsed->encoded_path());
  if (url.target.empty()) url.target = "/";
  if (parsed->has_query()) url.target += "?" + std::string(parsed->encoded_query());
  return url;
}

}  // namespace parley::webhook
