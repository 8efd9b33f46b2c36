#pragma once
// The three S3 requests media storage needs — PUT an object from a local
// file, HEAD it for its size, GET a byte range of it — over libcurl, signed
// with AWS Signature Version 4 by libcurl itself (CURLOPT_AWS_SIGV4), so the
// signing is a well-kept library's and not ours. Works with AWS S3 and
// S3-compatible servers (MinIO, Ceph RGW, Garage, s3rver in the tests),
// path-style (`http://host:9000/bucket`) or virtual-host style
// (`https://bucket.s3.eu-west-1.amazonaws.com`): an object's URL is the
// configured URL + "/" + its key.
//
// Every request signs `x-amz-content-sha256`: the file's SHA-256 for a PUT
// (the server refuses bytes that do not match it), the empty body's hash
// for HEAD and GET. Memory: a PUT streams the file through libcurl's 64 KiB
// upload buffer; a GET writes into the caller's buffer and refuses more than
// it asked for.
//
// Threads: every method blocks (network round trips) and may be called from
// any number of threads at once; never call one on an I/O thread. Each call
// borrows an idle curl handle (kept with its open connection) or makes one.
//
// Errors: 404 when the object does not exist, 503 when the server cannot be
// reached or answers 5xx, 500 for anything else (the S3 error code in the
// message).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace parley::media {

struct S3Options {
  // http(s)://HOST[:PORT][/BUCKET[/PREFIX]]: where objects are put, as KEY
  // under it.
  std::string url;
  std::string key_id;
  std::string secret;
  std::string region = "us-east-1";
  // Tests only: a fixed x-amz-date (YYYYMMDDTHHMMSSZ) to check a signature
  // against a published vector, and a curl CONNECT_TO entry
  // ("HOST:PORT:CONNECT_HOST:CONNECT_PORT") that sends the request to a
  // local listener instead of the URL's host.
  std::string amz_date_for_test;
  std::string connect_to_for_test;
};

class S3Client {
 public:
  // 400 for a URL that is not http(s)://HOST... or missing credentials.
  static base::Result<std::unique_ptr<S3Client>> Make(S3Options options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // PUT `file` (of `size` bytes, hex SHA-256 `sha256`) as `key`.
  base::Result<void> Put(std::string_view key, const std::filesystem::path& file, std::int64_t size,
                         std::string_view sha256);
  // HEAD: the object's size.
  base::Result<std::int64_t> Size(std::string_view key);
  // GET bytes [offset, offset + n) into `out`; the count received (fewer
  // only at the object's end).
  base::Result<std::size_t> GetRange(std::string_view key, std::int64_t offset, char* out,
                                     std::size_t n);

 private:
  explicit S3Client(S3Options options);

  // A curl easy handle (void*: curl's types stay in the .cc), idle or new
  // (null when curl cannot make one); given back when the lease ends.
  struct GiveBack {
    S3Client* client;
    void operator()(void* handle) const { client->Return(handle); }
  };
  using Lease = std::unique_ptr<void, GiveBack>;
  Lease Borrow();
  void Return(void* handle);

  const S3Options options_;
  const std::string sigv4_;  // "aws:amz:REGION:s3"
  const std::string userpwd_;
  std::mutex mu_;
  std::vector<void*> idle_;  // guarded by mu_; at most kMaxIdle
};

}  // namespace parley::media
