#include "app/jwks.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <boost/json/parse.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>

namespace parley::app {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxJwksBytes = 1 << 20;
constexpr std::size_t kMaxKeys = 64;

struct Deleters {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Deleters>;

// base64url without padding (RFC 7515 section 2); nullopt when malformed.
std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

Owned<BIGNUM> Bignum(const std::string& bytes) {
  return Owned<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                 static_cast<int>(bytes.size()), nullptr));
}

// The public key `params` describe, as PEM ("" when OpenSSL refuses them).
std::string PemOf(const char* type, OSSL_PARAM_BLD* builder) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return {};
  }
  Owned<EVP_PKEY> key(raw);
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string Field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

base::Result<core::ProductKey> KeyOf(const json::object& jwk, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return base::MakeError(base::Code::kBadRequest, where + ": " + why);
  };
  const std::string kty = Field(jwk, "kty");
  const std::string use = Field(jwk, "use");
  if (!use.empty() && use != "sig") return bad("\"use\" must be \"sig\"");
  core::ProductKey key;
  key.kid = Field(jwk, "kid");
  Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder) return bad("out of memory");
  if (kty == "RSA") {
    key.alg = core::ProductKeyAlg::kRs256;
    auto n = FromBase64Url(Field(jwk, "n"));
    auto e = FromBase64Url(Field(jwk, "e"));
    if (!n || !e || n->size() < 256 || e->empty()) return bad("RSA needs n (>= 2048 bits) and e");
    Owned<BIGNUM> bn_n = Bignum(*n);
    Owned<BIGNUM> bn_e = Bignum(*e);
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
    key.public_key_pem = PemOf("RSA", builder.get());
  } else if (kty == "EC") {
    key.alg = core::ProductKeyAlg::kEs256;
    if (Field(jwk, "crv") != "P-256") return bad("an EC key must be on P-256 (ES256)");
    auto x = FromBase64Url(Field(jwk, "x"));
    auto y = FromBase64Url(Field(jwk, "y"));
    if (!x || !y || x->size() != 32 || y->size() != 32) return bad("P-256 needs 32-byte x and y");
    const std::string point = std::string(1, '\x04') + *x + *y;  // uncompressed
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    key.public_key_pem = PemOf("EC", builder.get());
  } else {
    return bad("kty must be RSA or EC");
  }
  const std::string alg = Field(jwk, "alg");
  const char* pinned = key.alg == core::ProductKeyAlg::kRs256 ? "RS256" : "ES256";
  if (!alg.empty() && alg != pinned) return bad("alg " + alg + " does not match its key type");
  if (key.public_key_pem.empty()) return bad("not a valid public key");
  return key;
}

}  // namespace

base::Result<std::vector<core::ProductKey>> ReadJwks(const std::string& path) {
  auto bad = [&](const std::string& why) {
    return base::MakeError(base::Code::kBadRequest, "--jwt-jwks " + path + ": " + why);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxJwksBytes) return bad("larger than 1 MiB");
  boost::system::error_code ec;
  const json::value set = json::parse(text.str(), ec);
  const json::value* keys =
      !ec && set.is_object() ? set.as_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return bad("not a JWK set ({\"keys\":[...]})");
  if (keys->as_array().empty() || keys->as_array().size() > kMaxKeys) {
    return bad("must hold 1 to 64 keys");
  }
  std::vector<core::ProductKey> out;
  std::set<std::string> kids;
  for (std::size_t i = 0; i < keys->as_array().size(); ++i) {
    const json::value& jwk = keys->as_array()[i];
    const std::string where = "--jwt-jwks " + path + " key " + std::to_string(i);
    if (!jwk.is_object()) return bad("key " + std::to_string(i) + " is not an object");
    PARLEY_ASSIGN_OR_RETURN(core::ProductKey key, KeyOf(jwk.as_object(), where));
    if (!kids.insert(key.kid).second) return bad("two keys with kid \"" + key.kid + "\"");
    out.push_back(std::move(key));
  }
  return out;
}

}  // namespace parley::app
