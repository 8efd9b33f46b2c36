// The TLS context loader: good files load; every bad file gives an error
// that names the file and says what is wrong; a failed reload keeps the
// context that was there.

#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tls/test_certificates.h"

namespace parley::net {
namespace {

using testing::MakeServerCertificate;
using testing::MakeTestCa;
using testing::TestCertificate;

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/parley-tls-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ca_ = MakeTestCa(dir_, "unit-ca");
    server_ = MakeServerCertificate(dir_, ca_, "server-a");
    other_ = MakeServerCertificate(dir_, ca_, "server-b");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::string LoadError(const std::string& cert, const std::string& key) {
    auto loaded = LoadServerTlsContext({cert, key});
    if (loaded) return "(loaded)";
    EXPECT_EQ(loaded.error().code, base::Code::kBadRequest);
    return loaded.error().message;
  }

  std::filesystem::path dir_;
  TestCertificate ca_, server_, other_;
};

TEST_F(TlsContextTest, GoodFilesLoad) {
  auto loaded = LoadServerTlsContext({server_.cert.string(), server_.key.string()});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_NE(loaded->get(), nullptr);
}

TEST_F(TlsContextTest, MissingFilesNameTheFileAndTheReason) {
  const std::string missing = (dir_ / "nope.pem").string();
  EXPECT_EQ(LoadError(missing, server_.key.string()),
            "TLS certificate " + missing + ": No such file or directory");
  EXPECT_EQ(LoadError(server_.cert.string(), missing),
            "TLS key " + missing + ": No such file or directory");
  EXPECT_EQ(LoadError("", server_.key.string()), "TLS certificate (none): no file given");
}

TEST_F(TlsContextTest, GarbageIsRefusedWithTheFileName) {
  const std::string junk = Write("junk.pem", "this is not a certificate\n");
  const std::string cert_error = LoadError(junk, server_.key.string());
  EXPECT_EQ(cert_error.rfind("TLS certificate " + junk + ": ", 0), 0u) << cert_error;
  const std::string key_error = LoadError(server_.cert.string(), junk);
  EXPECT_EQ(key_error.rfind("TLS key " + junk + ": ", 0), 0u) << key_error;
  // A key given as the certificate and the other way round.
  EXPECT_NE(LoadError(server_.key.string(), server_.cert.string()), "(loaded)");
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  const std::string error = LoadError(server_.cert.string(), other_.key.string());
  EXPECT_NE(error.find("TLS key " + other_.key.string() + ": does not match the certificate " +
                       server_.cert.string()),
            std::string::npos)
      << error;
}

TEST_F(TlsContextTest, EncryptedKeyFailsInsteadOfPrompting) {
  const std::string encrypted = (dir_ / "encrypted.key").string();
  const std::string command = "openssl pkey -in '" + server_.key.string() + "' -aes256 -passout " +
                              "pass:secret -out '" + encrypted + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::string error = LoadError(server_.cert.string(), encrypted);
  EXPECT_EQ(error.rfind("TLS key " + encrypted + ": ", 0), 0u) << error;
}

TEST_F(TlsContextTest, ReloadTakesNewFilesAndKeepsTheOldContextOnError) {
  const std::string cert = (dir_ / "live.pem").string();
  const std::string key = (dir_ / "live.key").string();
  std::filesystem::copy_file(server_.cert, cert);
  std::filesystem::copy_file(server_.key, key);
  TlsContext context({cert, key});
  const TlsContextPtr first = context.Current();

  // Bad files: an error, and the same context as before.
  Write("live.pem", "garbage");
  auto failed = context.Reload();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message.rfind("TLS certificate " + cert, 0), 0u);
  EXPECT_EQ(context.Current(), first);

  // Good new files: a new context.
  std::filesystem::copy_file(other_.cert, cert, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(other_.key, key, std::filesystem::copy_options::overwrite_existing);
  auto reloaded = context.Reload();
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_NE(context.Current(), first);
}

TEST_F(TlsContextTest, ConstructorThrowsTheLoaderMessage) {
  const std::string missing = (dir_ / "nope.pem").string();
  try {
    TlsContext context({missing, server_.key.string()});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "TLS certificate " + missing + ": No such file or directory");
  }
}

}  // namespace
}  // namespace parley::net
