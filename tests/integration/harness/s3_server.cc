#include "integration/harness/s3_server.h"

#include <chrono>
#include <regex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace parley::testing {
namespace {

// s3rver is a node program; a cold start takes a few hundred ms.
constexpr auto kStartTimeout = std::chrono::seconds(20);

}  // namespace

S3Server::S3Server(std::string bucket)
    : bucket_(std::move(bucket)), dir_(MakeTempDir("parley-s3")) {
  const std::filesystem::path script = PARLEY_S3RVER;
  if (!std::filesystem::exists(script)) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw std::runtime_error(script.string() +
                             " is missing: run scripts/bootstrap (npm ci in tests/s3)");
  }
  const std::string node = FindBinary("node", "/usr/bin/node");
  std::filesystem::create_directories(dir_ / "data");
  // Port 0: s3rver binds a free port and prints it, so no port can be
  // taken between choosing and binding.
  process_.Start({node, script.string(), "--directory", (dir_ / "data").string(), "--address",
                  "127.0.0.1", "--port", "0", "--silent", "--configure-bucket", bucket_},
                 dir_ / "s3rver.log");
  const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline && process_.Running()) {
    std::smatch match;
    const std::string log = Log();
    if (std::regex_search(log, match, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string log = Log();
  process_.Kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("s3rver did not start; its log:\n" + log);
}

S3Server::~S3Server() {
  process_.Kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string S3Server::BucketUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + bucket_;
}

std::vector<std::string> S3Server::GatewayFlags() const {
  return {"--media-s3", BucketUrl(), "--media-s3-key-id", kKeyId, "--media-s3-secret", kSecret};
}

std::string S3Server::Log() const { return ReadTextFile(dir_ / "s3rver.log"); }

}  // namespace parley::testing
