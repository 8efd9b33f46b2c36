#pragma once
// HTTP/1.1 POSTs to the webhook receiver (Beast; the only translation unit
// of the webhook library that instantiates it): connect, TLS handshake for
// https (TLS 1.2+, the receiver's certificate checked against the system's
// CAs or --webhook-ca, and its host name), write, read the status, close.
// Bounded: the whole exchange within `timeout`, the response body read up
// to 64 KiB and discarded.
//
// Threads: Post resumes on the caller's executor; one poster may serve any
// number of POSTs at once (the TLS context is shared, read-only).

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "webhook/webhook_url.h"

namespace boost::asio::ssl {
class context;
}

namespace parley::webhook {

class HttpPoster {
 public:
  // For an https URL, loads the CAs to trust: `ca_file` (PEM) or, when
  // empty, the system's. 400 for a CA file that cannot be loaded.
  static base::Result<std::unique_ptr<HttpPoster>> Make(WebhookUrl url, const std::string& ca_file);
  ~HttpPoster();

  // The HTTP status, or 503 naming the step that failed (resolve, connect,
  // handshake, write, read, timeout).
  boost::asio::awaitable<base::Result<int>> Post(
      std::string body, std::vector<std::pair<std::string, std::string>> headers,
      std::chrono::milliseconds timeout);

 private:
  HttpPoster(WebhookUrl url, std::unique_ptr<boost::asio::ssl::context> tls);

  const WebhookUrl url_;
  const std::unique_ptr<boost::asio::ssl::context> tls_;  // null for http
};

}  // namespace parley::webhook
