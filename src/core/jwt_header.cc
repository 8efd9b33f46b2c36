#include "core/jwt_header.h"

#include <sodium.h>

#include <boost/json/parse.hpp>

#include <vector>

namespace parley::core {
namespace {

constexpr std::size_t kMaxHeaderBytes = 1024;

// base64url without padding (RFC 7515 section 2); nullopt-like "" on error.
std::string DecodeBase64Url(std::string_view text) {
  // An empty vector's data() is null, which libsodium must not get.
  if (text.empty()) return {};
  std::vector<unsigned char> out(text.size());
  std::size_t length = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

}  // namespace

TokenHeader ReadTokenHeader(std::string_view token) {
  const std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos || first_dot > kMaxHeaderBytes) return {};
  if (token.find('.', first_dot + 1) == std::string_view::npos) return {};
  const std::string header = DecodeBase64Url(token.substr(0, first_dot));
  if (header.empty()) return {};
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(header, ec);
  if (ec || !parsed.is_object()) return {};
  auto text = [&](const char* name) {
    const boost::json::value* v = parsed.as_object().if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  return TokenHeader{text("alg"), text("kid")};
}

}  // namespace parley::core
