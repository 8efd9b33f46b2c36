// An HTTP request as the WebSocket/HTTP listener reads it: Beast's request
// parser configured as net/ws_http_session.cc configures it (an 8 KiB
// header limit, the header read first, then a string body of at most
// 64 KiB), fed in pieces the fuzzer chooses; then what parleyd takes from
// the request: the upgrade checks and credentials (net/upgrade_request.h),
// the Range and If-None-Match of a media download (net/byte_range.h).
// Properties: a partial range lies inside the file.
//
// Input: the request bytes from the front; piece sizes and the file size
// from the back.

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <string>

#include "fuzz_check.h"
#include "net/byte_range.h"
#include "net/upgrade_request.h"

namespace {

namespace http = boost::beast::http;
using parley::fuzz::Check;

constexpr std::size_t kHttpHeaderLimit = 8 * 1024;  // as ws_http_session.cc
constexpr std::size_t kHttpBodyLimit = 64 * 1024;

// Feeds `parser` until it is done (true), fails, or the input ends; keeps
// what it did not consume in `buffered`, as a flat_buffer would.
template <class Parser>
bool Read(Parser& parser, FuzzedDataProvider& input, std::string& buffered) {
  for (;;) {
    boost::system::error_code ec;
    while (!buffered.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(buffered), ec);
      buffered.erase(0, used);
      if (ec == http::error::need_more) break;
      if (ec) return false;
      if (used == 0) break;
    }
    if (parser.is_done()) return true;
    if (input.remaining_bytes() == 0) {
      parser.put_eof(ec);
      return !ec && parser.is_done();
    }
    buffered += input.ConsumeBytesAsString(input.ConsumeIntegralInRange<std::size_t>(1, 512));
  }
}

void Inspect(const http::request<http::string_body>& request, std::int64_t file_size) {
  (void)boost::beast::websocket::is_upgrade(request);
  (void)parley::net::TargetPath(request.target());
  (void)parley::net::ParseUpgradeCredentials(request.target(), request[http::field::authorization]);
  (void)parley::net::OriginAllowed(request[http::field::origin], {"https://chat.example.com"});
  (void)parley::net::WebSocketVersionSupported(request[http::field::sec_websocket_version]);
  (void)parley::net::EtagMatches(request[http::field::if_none_match], "\"0123abcd\"");
  const parley::net::ByteRange range =
      parley::net::ParseRange(request[http::field::range], file_size);
  if (range.kind == parley::net::RangeKind::kPartial) {
    Check(range.first >= 0 && range.first <= range.last && range.last < file_size,
          "a partial range outside the file");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto file_size = input.ConsumeIntegralInRange<std::int64_t>(0, 1 << 20);
  std::string buffered;

  http::request_parser<http::empty_body> header;
  header.header_limit(kHttpHeaderLimit);
  header.body_limit(boost::none);
  // The header alone, as async_read_header reads it.
  for (;;) {
    boost::system::error_code ec;
    if (!buffered.empty()) {
      const std::size_t used = header.put(boost::asio::buffer(buffered), ec);
      buffered.erase(0, used);
      if (ec && ec != http::error::need_more) return 0;
    }
    if (header.is_header_done()) break;
    if (input.remaining_bytes() == 0) return 0;
    buffered += input.ConsumeBytesAsString(input.ConsumeIntegralInRange<std::size_t>(1, 512));
  }
  // The same request's target and headers are all a media download reads.
  (void)parley::net::TargetPath(header.get().target());

  http::request_parser<http::string_body> parser{std::move(header)};
  parser.body_limit(kHttpBodyLimit);
  if (parser.content_length().value_or(0) > kHttpBodyLimit) return 0;
  if (!parser.is_done() && !Read(parser, input, buffered)) return 0;
  Inspect(parser.release(), file_size);
  return 0;
}
