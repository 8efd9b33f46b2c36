#pragma once
// A local S3-compatible server for tests: s3rver (npm, pinned by
// tests/s3/package-lock.json, installed by scripts/bootstrap) on a free
// loopback port, in its own temporary directory, with one bucket. Killed
// and removed on destruction.
//
// s3rver checks that a request carries a well-formed V4 Authorization
// header with a known access key id, but not the signature itself: the
// signature is checked against AWS's published example in
// tests/unit/media/s3_client_test.cc.
//
// Blocking; call from the test thread only.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "integration/harness/child_process.h"

namespace parley::testing {

class S3Server {
 public:
  // s3rver's built-in account.
  static constexpr const char* kKeyId = "S3RVER";
  static constexpr const char* kSecret = "S3RVER";

  // Starts the server with bucket `bucket` and waits until it listens.
  // Throws std::runtime_error, with its log, on failure (and says to run
  // scripts/bootstrap when s3rver is not installed).
  explicit S3Server(std::string bucket = "media");
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  std::uint16_t port() const { return port_; }
  // http://127.0.0.1:PORT/BUCKET (path-style)
  std::string BucketUrl() const;
  // --media-s3 URL --media-s3-key-id ID --media-s3-secret SECRET
  std::vector<std::string> GatewayFlags() const;
  // Where s3rver keeps the bucket's objects (to look at them from a test).
  const std::filesystem::path& dir() const { return dir_; }
  std::string Log() const;

 private:
  const std::string bucket_;
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
  ChildProcess process_;
};

}  // namespace parley::testing
