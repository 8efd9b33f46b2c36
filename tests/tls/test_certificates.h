#pragma once
// Certificates for TLS tests, made with the openssl CLI (scripts/bootstrap
// installs it) in a test's temporary directory: a CA, and server
// certificates it signs for "localhost" and 127.0.0.1 (EC P-256, fast to
// make). Every call throws std::runtime_error when openssl fails.

#include <filesystem>
#include <string>

namespace parley::testing {

struct TestCertificate {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM, unencrypted
};

// A self-signed CA whose subject is "CN=<name>", as <dir>/<name>.pem and .key.
TestCertificate MakeTestCa(const std::filesystem::path& dir, const std::string& name);

// A server certificate signed by `ca`: subject "CN=<name>", subjectAltName
// DNS:localhost and IP:127.0.0.1; <dir>/<name>.pem and .key.
TestCertificate MakeServerCertificate(const std::filesystem::path& dir, const TestCertificate& ca,
                                      const std::string& name);

}  // namespace parley::testing
