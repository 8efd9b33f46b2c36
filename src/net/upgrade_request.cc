#include "net/upgrade_request.h"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace parley::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

UpgradeCredentials ParseUpgradeCredentials(std::string_view target,
                                           std::string_view authorization) {
  UpgradeCredentials credentials;
  const auto url = boost::urls::parse_origin_form(target);
  if (url) {
    const auto params = url->params();  // percent-decoded
    if (auto it = params.find("token"); it != params.end()) credentials.token = (*it).value;
    if (auto it = params.find("user_id"); it != params.end()) {
      credentials.insecure_user_id = (*it).value;
    }
  }
  constexpr std::string_view kBearer = "Bearer ";
  authorization = Trim(authorization);
  if (authorization.size() > kBearer.size() &&
      EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) {
    credentials.token = std::string(Trim(authorization.substr(kBearer.size())));
  }
  return credentials;
}

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed_origins) {
  if (allowed_origins.empty() || origin.empty()) return true;
  return std::any_of(allowed_origins.begin(), allowed_origins.end(),
                     [&](const std::string& allowed) { return EqualsIgnoreCase(origin, allowed); });
}

bool WebSocketVersionSupported(std::string_view version_header) {
  return Trim(version_header) == "13";
}

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace parley::net
