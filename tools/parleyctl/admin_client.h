#pragma once
// parleyctl's HTTP client for the server API and /metrics: one blocking
// request per call (Beast; the only translation unit that instantiates it),
// http:// or https:// (TLS 1.2+, the server's certificate checked against
// the system's CAs or --ca, and its host name).

#include <chrono>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::ctl {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

struct ServerAddress {
  bool https = false;
  std::string host;
  std::string port;
};

// "http://127.0.0.1:8080" or "https://chat.example.com"; 400 when it is not
// such a URL (a path is not allowed: the API's paths are fixed).
base::Result<ServerAddress> ParseServerUrl(std::string_view url);

class AdminClient {
 public:
  AdminClient(ServerAddress server, std::string api_key, std::string ca_file,
              std::chrono::seconds timeout = std::chrono::seconds(10));

  // `path` is the request target ("/api/admin/users/alice"); `body` is sent
  // as JSON when not empty. 503 when the server cannot be reached or does not
  // answer in time.
  base::Result<HttpAnswer> Request(std::string_view method, std::string_view path,
                                   std::string_view body = {}) const;

 private:
  ServerAddress server_;
  std::string api_key_;
  std::string ca_file_;
  std::chrono::seconds timeout_;
};

}  // namespace parley::ctl
