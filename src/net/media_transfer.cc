#include "net/media_transfer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <memory>
#include <string>

#include "net/byte_range.h"
#include "net/http_write.h"
#include "net/upgrade_request.h"

namespace parley::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
// One chunk of an upload or download in memory at a time.
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::string_view kPrefix = "/api/media";

using HeaderParser = http::request_parser<http::empty_body>;

// A request being answered: what every answer needs to know.
struct Exchange {
  ServerContext& context;
  HttpStream& stream;
  beast::flat_buffer& buffer;
  unsigned version = 11;
  bool keep_alive = false;
  // A body the client sent (or will send) that we have not read: the
  // connection cannot carry another request after answering.
  bool body_unread = false;
};

// After refusing a request whose body is still coming: stop sending, then
// read and drop what the client already sent, a bounded amount for a
// bounded time. Closing with unread input would send a RST, and a RST can
// destroy the answer before the client has read it (a "lingering close").
asio::awaitable<void> DrainBriefly(Exchange& x) {
  constexpr std::size_t kMaxDrained = 1024 * 1024;
  x.stream.ShutdownSend();
  x.buffer.consume(x.buffer.size());
  x.stream.expires_after(std::chrono::seconds(2));
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  std::size_t drained = 0;
  while (drained < kMaxDrained) {
    auto [ec, n] = co_await x.stream.async_read_some(asio::buffer(scratch.get(), kChunk), kToken);
    if (ec) break;
    drained += n;
  }
}

asio::awaitable<AfterMedia> Reply(Exchange& x, HttpAnswer answer) {
  const bool keep = x.keep_alive && !x.body_unread;
  const bool written = co_await WriteAnswer(x.stream, std::move(answer), x.version, keep,
                                            x.context.options.write_timeout);
  if (written && x.body_unread) co_await DrainBriefly(x);
  co_return written&& keep ? AfterMedia::kKeepAlive : AfterMedia::kClose;
}

// The value of ?`key`= in `target`, percent-decoded; "" when absent.
std::string QueryValue(std::string_view target, std::string_view key) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return {};
  auto params = url->params();
  auto it = params.find(key);
  return it == params.end() ? std::string() : std::string((*it).value);
}

// "attachment; filename=\"...\"" with the name reduced to characters that
// need no escaping in a header; the original name is in the JSON record.
std::string Disposition(std::string_view kind, std::string_view name) {
  std::string safe;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ' ';
    safe.push_back(ok ? c : '_');
  }
  if (safe.empty()) return std::string(kind);
  return std::string(kind) + "; filename=\"" + safe + "\"";
}

// Not a coroutine: the answer is built here and moved into Reply's frame,
// never a temporary inside a co_await expression (GCC 12 bug).
asio::awaitable<AfterMedia> ReplyError(Exchange& x, int status, std::string_view message) {
  return Reply(x, JsonError(status, message));
}

asio::awaitable<AfterMedia> Upload(Exchange& x, HeaderParser& header, std::string uploader) {
  core::MediaService& media = *x.context.media;
  const std::int64_t max = media.options().max_bytes;
  auto refuse = [&x](int status, std::string_view message) {
    base::Bump(x.context.metrics.media_uploads_refused_total);
    return ReplyError(x, status, message);
  };
  const std::string too_large =
      "media larger than --max-media-bytes (" + std::to_string(max) + " bytes)";
  if (const auto length = header.content_length();
      length && *length > static_cast<std::uint64_t>(max)) {
    co_return co_await refuse(413, too_large);
  }
  if (!header.content_length() && !header.chunked()) {
    co_return co_await refuse(411, "POST /api/media needs Content-Length or chunked encoding");
  }
  base::Result<std::unique_ptr<media::SpoolFile>> created = media.NewSpool();
  if (!created) co_return co_await refuse(500, created.error().message);
  std::unique_ptr<media::SpoolFile> spool = std::move(*created);
  std::string name = QueryValue(header.get().target(), "name");

  // curl and browsers wait for this before sending a large body.
  if (beast::iequals(header.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, x.version};
    x.stream.expires_after(x.context.options.write_timeout);
    auto [ec, n] = co_await http::async_write(x.stream, go_on, kToken);
    if (ec) co_return AfterMedia::kClose;
  }

  http::request_parser<http::buffer_body> parser{std::move(header)};
  parser.body_limit(boost::none);  // counted below, chunked bodies included
  std::unique_ptr<char[]> chunk(new char[kChunk]);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.get();
    parser.get().body().size = kChunk;
    x.stream.expires_after(x.context.options.http_read_timeout);
    auto [ec, n] = co_await http::async_read(x.stream, x.buffer, parser, kToken);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      base::Bump(x.context.metrics.media_uploads_refused_total);
      co_return AfterMedia::kClose;  // the client went away or sent garbage
    }
    const std::size_t got = kChunk - parser.get().body().size;
    if (spool->size() + static_cast<std::int64_t>(got) > max) {
      co_return co_await refuse(413, too_large);
    }
    if (auto wrote = spool->Write(chunk.get(), got); !wrote) {
      co_return co_await refuse(500, wrote.error().message);
    }
  }
  x.body_unread = false;
  chunk.reset();
  if (spool->size() == 0) co_return co_await refuse(400, "empty upload");
  base::Result<std::string> sha256 = spool->Finish();
  if (!sha256) co_return co_await refuse(500, sha256.error().message);
  base::Result<media::MediaRecord> stored = co_await media.StoreUpload(
      std::move(uploader), std::move(spool), std::move(*sha256), std::move(name));
  if (!stored) {
    co_return co_await refuse(static_cast<int>(stored.error().code), stored.error().message);
  }
  HttpAnswer answer{
      200, "application/json", boost::json::serialize(media::PublicFields(*stored)), {}};
  co_return co_await Reply(x, std::move(answer));
}

asio::awaitable<AfterMedia> Download(Exchange& x, const http::request<http::empty_body>& request,
                                     std::string reader, std::string media_id) {
  base::Result<core::MediaDownload> opened =
      co_await x.context.media->OpenForRead(std::move(reader), std::move(media_id));
  if (!opened) {
    co_return co_await ReplyError(x, static_cast<int>(opened.error().code), opened.error().message);
  }
  const media::MediaRecord& record = opened->record;
  media::MediaReader& file = *opened->reader;
  const std::int64_t size = file.size();
  const std::string etag = "\"" + record.sha256 + "\"";
  const bool image = media::IsImageType(record.content_type);

  http::response<http::buffer_body> response{http::status::ok, x.version};
  response.set(http::field::server, "parley");
  response.set(http::field::etag, etag);
  response.set(http::field::cache_control, "private, max-age=31536000, immutable");
  response.set("X-Content-Type-Options", "nosniff");
  // Nothing served here may run script, even if a browser were talked into
  // rendering it.
  response.set("Content-Security-Policy", "default-src 'none'; sandbox");
  response.set(http::field::accept_ranges, "bytes");
  response.keep_alive(x.keep_alive);

  if (EtagMatches(request[http::field::if_none_match], etag)) {
    response.result(http::status::not_modified);
    response.body().data = nullptr;
    response.body().more = false;
    x.stream.expires_after(x.context.options.write_timeout);
    auto [ec, n] = co_await http::async_write(x.stream, response, kToken);
    co_return !ec && x.keep_alive ? AfterMedia::kKeepAlive : AfterMedia::kClose;
  }

  const ByteRange range = ParseRange(request[http::field::range], size);
  if (range.kind == RangeKind::kUnsatisfiable) {
    HttpAnswer answer = JsonError(416, "range not satisfiable");
    answer.content_range = "bytes */" + std::to_string(size);
    co_return co_await Reply(x, std::move(answer));
  }
  std::int64_t offset = 0;
  std::int64_t end = size;  // exclusive
  if (range.kind == RangeKind::kPartial) {
    offset = range.first;
    end = range.last + 1;
    response.result(http::status::partial_content);
    response.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" +
                                                 std::to_string(size));
  }
  response.set(http::field::content_type, media::ServedContentType(record.content_type));
  response.set(http::field::content_disposition,
               Disposition(image ? "inline" : "attachment", record.name));
  response.content_length(static_cast<std::uint64_t>(end - offset));
  response.body().data = nullptr;
  response.body().more = true;

  http::response_serializer<http::buffer_body> serializer{response};
  x.stream.expires_after(x.context.options.write_timeout);
  {
    auto [ec, n] = co_await http::async_write_header(x.stream, serializer, kToken);
    if (ec) co_return AfterMedia::kClose;
  }
  std::unique_ptr<char[]> chunk(new char[kChunk]);
  std::uint64_t sent = 0;
  while (offset < end) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(end - offset, kChunk));
    // At once for a local file; on the storage's pool for an object store.
    base::Result<std::size_t> got = co_await file.Read(offset, chunk.get(), want);
    // A short read means the file changed under us: objects never do, so
    // the storage failed; the client sees a truncated body and retries.
    if (!got || *got != want) co_return AfterMedia::kClose;
    offset += static_cast<std::int64_t>(want);
    response.body().data = chunk.get();
    response.body().size = want;
    response.body().more = offset < end;
    x.stream.expires_after(x.context.options.write_timeout);
    auto [ec, n] = co_await http::async_write(x.stream, serializer, kToken);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return AfterMedia::kClose;
    sent += want;
  }
  if (!serializer.is_done()) {
    response.body().data = nullptr;
    response.body().more = false;
    auto [ec, n] = co_await http::async_write(x.stream, serializer, kToken);
    if (ec) co_return AfterMedia::kClose;
  }
  base::Bump(x.context.metrics.media_downloads_total);
  base::Bump(x.context.metrics.media_download_bytes_total, sent);
  co_return x.keep_alive ? AfterMedia::kKeepAlive : AfterMedia::kClose;
}

}  // namespace

bool IsMediaPath(std::string_view path) {
  return path == kPrefix || path.substr(0, kPrefix.size() + 1) == "/api/media/";
}

asio::awaitable<AfterMedia> ServeMedia(ServerContext& context, HttpStream& stream,
                                       beast::flat_buffer& buffer, HeaderParser& header) {
  const http::request<http::empty_body>& request = header.get();
  Exchange x{context, stream, buffer, request.version(), request.keep_alive(), false};
  x.body_unread = header.chunked() || header.content_length().value_or(0) > 0;
  const std::string_view path = TargetPath(request.target());
  const bool upload = path == kPrefix;
  const http::verb wanted = upload ? http::verb::post : http::verb::get;
  if (request.method() != wanted) {
    HttpAnswer answer = JsonError(405, "method not allowed");
    answer.allow = upload ? "POST" : "GET";
    co_return co_await Reply(x, std::move(answer));
  }
  if (context.media == nullptr) {
    co_return co_await ReplyError(x, 503, "media is not enabled on this server");
  }
  const UpgradeCredentials credentials =
      ParseUpgradeCredentials(request.target(), request[http::field::authorization]);
  if (credentials.token.empty()) {
    if (upload) base::Bump(context.metrics.media_uploads_refused_total);
    co_return co_await ReplyError(x, 401, "send a token: Authorization: Bearer <token> or ?token=");
  }
  base::Result<core::VerifiedToken> verified = co_await context.auth.Admit(credentials.token);
  if (!verified) {
    if (upload) base::Bump(context.metrics.media_uploads_refused_total);
    const int status = static_cast<int>(verified.error().code);
    co_return co_await ReplyError(x, status, verified.error().message);
  }
  if (upload) co_return co_await Upload(x, header, std::move(verified->user_id));
  std::string media_id(path.substr(kPrefix.size() + 1));
  co_return co_await Download(x, request, std::move(verified->user_id), std::move(media_id));
}

}  // namespace parley::net
