#pragma once
// One HTTP/1.1 POST to the webhook receiver (Beast; the only translation
// unit of the webhook library that instantiates it): connect, write, read
// the status, close. Bounded: the whole exchange within `timeout`, the
// response body read up to 64 KiB and discarded.
//
// Threads: resumes on the caller's executor.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "webhook/webhook_url.h"

namespace parley::webhook {

// The HTTP status, or 503 naming the step that failed (resolve, connect,
// write, read, timeout).
boost::asio::awaitable<base::Result<int>> Post(
    const WebhookUrl& url, std::string body,
    std::vector<std::pair<std::string, std::string>> headers, std::chrono::milliseconds timeout);

}  // namespace parley::webhook
