#include "tls/test_certificates.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace parley::testing {
namespace {

void Run(const std::string& command) {
  const std::string quiet = command + " >/dev/null 2>&1";
  if (std::system(quiet.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

std::string Quote(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

constexpr const char* kNewKey = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

}  // namespace

TestCertificate MakeTestCa(const std::filesystem::path& dir, const std::string& name) {
  TestCertificate ca{dir / (name + ".pem"), dir / (name + ".key")};
  Run("openssl req -x509 " + std::string(kNewKey) + " -keyout " + Quote(ca.key) + " -out " +
      Quote(ca.cert) + " -days 2 -subj '/CN=" + name + "'");
  return ca;
}

TestCertificate MakeServerCertificate(const std::filesystem::path& dir, const TestCertificate& ca,
                                      const std::string& name) {
  TestCertificate cert{dir / (name + ".pem"), dir / (name + ".key")};
  const auto csr = dir / (name + ".csr");
  const auto ext = dir / (name + ".ext");
  std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  Run("openssl req " + std::string(kNewKey) + " -keyout " + Quote(cert.key) + " -out " +
      Quote(csr) + " -subj '/CN=" + name + "'");
  Run("openssl x509 -req -in " + Quote(csr) + " -CA " + Quote(ca.cert) + " -CAkey " +
      Quote(ca.key) + " -set_serial " + std::to_string(std::rand() % 1000000 + 1) + " -out " +
      Quote(cert.cert) + " -days 2 -extfile " + Quote(ext));
  return cert;
}

}  // namespace parley::testing
