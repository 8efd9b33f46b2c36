#include "app/product_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace parley::app {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::runtime_error KeyError(const std::string& path, const std::string& why) {
  return std::runtime_error("--jwt-public-key " + path + ": " + why);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// RS256 for RSA, ES256 for EC on P-256 only: ES256 is defined on that curve.
core::ProductKeyAlg AlgOf(EVP_PKEY* key, const std::string& path) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return core::ProductKeyAlg::kRs256;
    case EVP_PKEY_EC: {
      char curve[64] = {};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, curve, sizeof curve, &length) != 1 ||
          std::string(curve) != SN_X9_62_prime256v1) {
        throw KeyError(path, "an EC key must be on P-256 (ES256)");
      }
      return core::ProductKeyAlg::kEs256;
    }
    default:
      throw KeyError(path, "not an RSA or EC P-256 public key");
  }
}

}  // namespace

core::ProductKey LoadProductKey(const std::string& path) {
  core::ProductKey options;
  options.public_key_pem = ReadFile(path);
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(options.public_key_pem.data(),
                      static_cast<int>(options.public_key_pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) throw KeyError(path, "not a PEM public key (\"-----BEGIN PUBLIC KEY-----\")");
  options.alg = AlgOf(key.get(), path);
  return options;
}

}  // namespace parley::app
