#pragma once
// A test fixture for TLS (tls_test.cc, wss_test.cc): a CA of its own, a
// parleyd started with --tls-cert/--tls-key (so both of its ports speak TLS)
// and --auth-timeout 1s, and helpers that talk to it over TLS. The server
// reads live.pem and live.key; SwapCertificate overwrites them (then send
// SIGHUP).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "client/transport.h"
#include "integration/harness/http_client.h"
#include "integration/harness/server_process.h"
#include "tls/test_certificates.h"

namespace parley::testing {

inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = MakeTestCa(dir_.path(), "parley-test-ca");
    const TestCertificate first = MakeServerCertificate(dir_.path(), ca_, "server-a");
    cert_ = dir_.path() / "live.pem";
    key_ = dir_.path() / "live.key";
    std::filesystem::copy_file(first.cert, cert_);
    std::filesystem::copy_file(first.key, key_);
    std::vector<std::string> args{"--tls-cert",  cert_.string(),   "--tls-key",
                                  key_.string(), "--auth-timeout", "1s"};
    for (std::string& extra : ExtraArgs()) args.push_back(std::move(extra));
    server_ = ServerProcess::Start(dir_.path() / "data", std::move(args));
    ASSERT_TRUE(server_);
  }

  // More flags for the server.
  virtual std::vector<std::string> ExtraArgs() { return {}; }

  client::TlsOptions TrustOurCa() const { return client::TlsOptions{ca_.cert.string()}; }
  std::string ca_file() const { return ca_.cert.string(); }

  // POST /api/register over https; the token.
  std::string Register(const std::string& user) {
    return RegisterUserTls(server_->ws_port(), ca_file(), user);
  }

  // parley_tls_handshake_failures_total from GET /metrics over https; -1
  // when absent.
  double HandshakeFailures() const {
    const HttpResponse r = HttpsRequest(server_->ws_port(), ca_file(), "GET", "/metrics");
    const std::string name = "parley_tls_handshake_failures_total ";
    const std::size_t at = r.body.find("\n" + name);
    if (at == std::string::npos) return -1;
    return std::stod(r.body.substr(at + 1 + name.size()));
  }

  // Overwrites the files the server reads with a new certificate "CN=<name>".
  void SwapCertificate(const std::string& name) {
    const TestCertificate next = MakeServerCertificate(dir_.path(), ca_, name);
    std::filesystem::copy_file(next.cert, cert_, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(next.key, key_, std::filesystem::copy_options::overwrite_existing);
  }

  TempDir dir_;
  TestCertificate ca_;
  std::filesystem::path cert_, key_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace parley::testing
