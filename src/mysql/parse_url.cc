#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "mysql/options.h"

namespace parley::mysql {
namespace {

base::Error BadUrl(std::string_view url, const std::string& why) {
  return base::MakeError(base::Code::kBadRequest,
                         "bad mysql URL '" + std::string(url) + "': " + why);
}

bool ParseNumber(std::string_view text, std::uint64_t max, std::uint64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && *out <= max && !text.empty();
}

}  // namespace

base::Result<Options> ParseUrl(std::string_view url) {
  // Never echo the password: only the scheme and host part go into errors.
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return BadUrl("(not shown)", parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  const std::string shown =
      std::string(u.scheme()) + "://" + std::string(u.encoded_host()) + "/...";
  if (u.scheme() != "mysql" && u.scheme() != "mariadb")
    return BadUrl(shown, "scheme must be mysql");
  if (u.encoded_host().empty()) return BadUrl(shown, "no host");

  Options options;
  options.user = u.user();
  options.password = u.password();
  options.host = u.host();
  if (u.has_port()) {
    std::uint64_t port = 0;
    if (!ParseNumber(u.port(), 65535, &port) || port == 0) return BadUrl(shown, "bad port");
    options.port = static_cast<std::uint16_t>(port);
  }
  std::string path = u.path();
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.find('/') != std::string::npos) return BadUrl(shown, "path must be /database");
  options.database = path;

  for (const auto& param : u.params()) {
    std::uint64_t value = 0;
    if (!ParseNumber(param.value, 1000000, &value) || value == 0) {
      return BadUrl(shown, "parameter " + std::string(param.key) + " must be a positive number");
    }
    if (param.key == "threads") {
      options.threads = value;
    } else if (param.key == "connect_timeout") {
      options.connect_timeout = std::chrono::seconds(value);
    } else if (param.key == "read_timeout") {
      options.read_timeout = std::chrono::seconds(value);
    } else if (param.key == "write_timeout") {
      options.write_timeout = std::chrono::seconds(value);
    } else {
      return BadUrl(shown, "unknown parameter " + std::string(param.key));
    }
  }
  return options;
}

}  // namespace parley::mysql
