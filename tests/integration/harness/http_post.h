#pragma once
// Minimal blocking HTTP/1.1 POST for integration tests (Connection: close).

#include <cstdint>
#include <string>

namespace parley::testing {

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

HttpResult HttpPost(std::uint16_t port, const std::string& path, const std::string& body);
HttpResult HttpGet(std::uint16_t port, const std::string& path);

// POST /api/register; returns the token ("" on failure).
std::string RegisterUser(std::uint16_t ws_port, const std::string& user_id,
                         const std::string& password = "secret-pw");

}  // namespace parley::testing
