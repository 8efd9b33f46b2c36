#pragma once
// A blocking HTTP/1.1 client for the media tests: any method, headers and
// binary body; the answer's status, headers (names in lower case) and body.
// One request per connection (Connection: close). HttpsRequest: the same
// over TLS (https_client.cc).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace parley::testing {

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::map<std::string, std::string> headers;
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends the request with `body` (Content-Length added when `body` is not
// empty or the method is POST) and reads the answer until the server closes.
HttpResponse HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                         const HttpHeaders& headers = {}, const std::string& body = {});

// Sends `head` (a request line and headers, "\r\n\r\n" included), then
// `body` as raw bytes, and reads the answer; sending stops early when the
// server refuses and closes.
HttpResponse HttpRawExchange(std::uint16_t port, const std::string& head, const std::string& body);

// Over TLS, trusting `ca_file` and expecting the server's certificate to
// name "localhost".
HttpResponse HttpsRequest(std::uint16_t port, const std::string& ca_file,
                          const std::string& method, const std::string& target,
                          const HttpHeaders& headers = {}, const std::string& body = {});

// POST /api/register over TLS; returns the token ("" on failure).
std::string RegisterUserTls(std::uint16_t port, const std::string& ca_file,
                            const std::string& user_id, const std::string& password = "secret-pw");

// The request line and headers HttpRequest sends (Content-Length included).
std::string HttpRequestHead(const std::string& method, const std::string& target,
                            const HttpHeaders& headers, const std::string& body);
// Status, headers and body of a whole answer; status 0 when it is not one.
HttpResponse ParseHttpResponse(const std::string& response);

// "Bearer <token>" header list.
inline HttpHeaders BearerAuth(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace parley::testing
