#include "media/s3_client.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace parley::media {
namespace {

// SHA-256 of the empty string: the payload hash of a HEAD or GET.
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Idle handles kept (each with its connection); more concurrent calls make
// handles that are freed afterwards.
constexpr std::size_t kMaxIdle = 16;
// An error answer's body is read this far, for its <Code>.
constexpr std::size_t kMaxErrorBody = 1024;

void InitCurlOnce() {
  // curl_global_init is not thread-safe: once, before any handle.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)init;
}

// Where a response body goes: the caller's buffer for a 2xx answer, a short
// string for an error answer.
struct Sink {
  CURL* curl = nullptr;
  char* out = nullptr;
  std::size_t capacity = 0;
  std::size_t size = 0;
  std::string error_body;
};

std::size_t WriteBody(char* data, std::size_t one, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = one * n;
  long status = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    const std::size_t keep = std::min(bytes, kMaxErrorBody - sink->error_body.size());
    sink->error_body.append(data, keep);
    return bytes;
  }
  // More than asked for (a server that ignored Range): stop, never grow.
  if (bytes > sink->capacity - sink->size) return 0;
  std::memcpy(sink->out + sink->size, data, bytes);
  sink->size += bytes;
  return bytes;
}

// The <Code> of an S3 error document, or the HTTP status.
std::string ErrorCodeOf(const std::string& body, long status) {
  const std::size_t open = body.find("<Code>");
  const std::size_t close = body.find("</Code>");
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return body.substr(open + 6, close - open - 6);
  }
  return "HTTP " + std::to_string(status);
}

base::Error TransportError(CURLcode code, const char* detail) {
  // Write errors are ours (an answer larger than asked for); anything else
  // means the server could not be reached or the connection broke.
  const base::Code kind =
      code == CURLE_WRITE_ERROR ? base::Code::kInternal : base::Code::kUnavailable;
  return base::MakeError(
      kind, std::string("s3: ") + (detail[0] != '\0' ? detail : curl_easy_strerror(code)));
}

base::Error StatusError(long status, const std::string& body, std::string_view key) {
  const std::string what = "s3 " + std::string(key) + ": " + ErrorCodeOf(body, status);
  if (status == 404) return base::MakeError(base::Code::kNotFound, "no such media");
  if (status >= 500) return base::MakeError(base::Code::kUnavailable, what);
  return base::MakeError(base::Code::kInternal, what);
}

// Owns a curl_slist.
struct Headers {
  curl_slist* list = nullptr;
  ~Headers() { curl_slist_free_all(list); }
  bool Add(const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  }
};

}  // namespace

base::Result<std::unique_ptr<S3Client>> S3Client::Make(S3Options options) {
  const std::string_view url = options.url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return base::MakeError(base::Code::kBadRequest,
                           "--media-s3 must be an http:// or https:// URL: " + options.url);
  }
  if (options.key_id.empty() || options.secret.empty()) {
    return base::MakeError(base::Code::kBadRequest,
                           "--media-s3 needs credentials: --media-s3-key-id and "
                           "--media-s3-secret, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (options.region.empty() || options.region.find(':') != std::string::npos) {
    return base::MakeError(base::Code::kBadRequest, "--media-s3-region: bad region");
  }
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  InitCurlOnce();
  return std::unique_ptr<S3Client>(new S3Client(std::move(options)));
}

S3Client::S3Client(S3Options options)
    : options_(std::move(options)),
      sigv4_("aws:amz:" + options_.region + ":s3"),
      userpwd_(options_.key_id + ":" + options_.secret) {}

S3Client::~S3Client() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

S3Client::Lease S3Client::Borrow() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      // Forgets the last request's options, keeps its open connection.
      curl_easy_reset(static_cast<CURL*>(handle));
      return Lease(handle, GiveBack{this});
    }
  }
  return Lease(curl_easy_init(), GiveBack{this});
}

void S3Client::Return(void* handle) {
  if (handle == nullptr) return;
  {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

namespace {

// One request on `curl`: the options every request shares, then `perform`.
// Returns the HTTP status, or the transport's error.
struct Request {
  CURL* curl;
  const S3Options& options;
  const std::string& sigv4;
  const std::string& userpwd;
  Headers headers;
  char error[CURL_ERROR_SIZE] = {};

  base::Result<long> Perform(std::string_view key, std::string_view payload_sha256) {
    const std::string url = options.url + "/" + std::string(key);
    // Signed with the request (curl signs the headers we set, host and
    // date): the body's hash, so a server refuses altered bytes.
    if (!headers.Add("x-amz-content-sha256: " + std::string(payload_sha256))) {
      return base::MakeError(base::Code::kInternal, "s3: out of memory");
    }
    if (!options.amz_date_for_test.empty() &&
        !headers.Add("x-amz-date: " + options.amz_date_for_test)) {
      return base::MakeError(base::Code::kInternal, "s3: out of memory");
    }
    curl_slist* connect_to = nullptr;
    if (!options.connect_to_for_test.empty()) {
      connect_to = curl_slist_append(nullptr, options.connect_to_for_test.c_str());
      curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    // Threads: no signals (the resolver's timeout would use SIGALRM).
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    // A transfer that stalls for 30 s fails; a slow but moving one goes on
    // (a 25 MiB upload on a thin link takes a while).
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, nullptr);
    curl_slist_free_all(connect_to);
    if (code != CURLE_OK) return TransportError(code, error);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
};

}  // namespace

base::Result<void> S3Client::Put(std::string_view key, const std::filesystem::path& file,
                                 std::int64_t size, std::string_view sha256) {
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) {
    return base::MakeError(base::Code::kInternal,
                           "s3: open " + file.string() + ": " + std::strerror(errno));
  }
  const Lease lease = Borrow();
  CURL* curl = static_cast<CURL*>(lease.get());
  if (!curl) {
    std::fclose(in);
    return base::MakeError(base::Code::kInternal, "s3: curl_easy_init failed");
  }
  Request request{curl, options_, sigv4_, userpwd_, {}, {}};
  Sink sink{curl, nullptr, 0, 0, {}};
  // The body streams from the file through curl's upload buffer (fread).
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READDATA, in);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  base::Result<long> status = request.Perform(key, sha256);
  std::fclose(in);
  if (!status) return status.error();
  if (*status != 200) return StatusError(*status, sink.error_body, key);
  return {};
}

base::Result<std::int64_t> S3Client::Size(std::string_view key) {
  const Lease lease = Borrow();
  CURL* curl = static_cast<CURL*>(lease.get());
  if (!curl) return base::MakeError(base::Code::kInternal, "s3: curl_easy_init failed");
  Request request{curl, options_, sigv4_, userpwd_, {}, {}};
  curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  base::Result<long> status = request.Perform(key, kEmptySha256);
  if (!status) return status.error();
  if (*status != 200) return StatusError(*status, {}, key);
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (length < 0) return base::MakeError(base::Code::kInternal, "s3: HEAD without a length");
  return static_cast<std::int64_t>(length);
}

base::Result<std::size_t> S3Client::GetRange(std::string_view key, std::int64_t offset, char* out,
                                             std::size_t n) {
  if (n == 0) return std::size_t{0};
  const Lease lease = Borrow();
  CURL* curl = static_cast<CURL*>(lease.get());
  if (!curl) return base::MakeError(base::Code::kInternal, "s3: curl_easy_init failed");
  Request request{curl, options_, sigv4_, userpwd_, {}, {}};
  // As a header rather than CURLOPT_RANGE, so that it is signed too.
  const std::string range = "Range: bytes=" + std::to_string(offset) + "-" +
                            std::to_string(offset + static_cast<std::int64_t>(n) - 1);
  if (!request.headers.Add(range)) return base::MakeError(base::Code::kInternal, "s3: no memory");
  Sink sink{curl, out, n, 0, {}};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  base::Result<long> status = request.Perform(key, kEmptySha256);
  if (!status) return status.error();
  if (*status != 206 && *status != 200) return StatusError(*status, sink.error_body, key);
  // A 200 is the whole object: right only when the range started at 0.
  if (*status == 200 && offset != 0) {
    return base::MakeError(base::Code::kInternal, "s3: the server ignored Range");
  }
  return sink.size;
}

}  // namespace parley::media
