// Tokens signed by the product's backend (--jwt-public-key, docs/protocol.md
// "Authentication") against a real parleyd, on both backends: RS256 / ES256
// tokens log in over TCP and WebSocket, forged or confused tokens are
// refused, iss / aud are enforced when configured, and a user first seen in a
// product token is provisioned so others can message it.
//
// Keys come from the openssl CLI; tokens are signed with libjwt as a backend
// would sign them.

#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Shell(const std::string& command) {
  return std::system((command + " 2>/dev/null").c_str()) == 0;
}

// PRIVATE_NAME.pem and PUBLIC_NAME.pub.pem in `dir`.
bool MakeRsaKey(const fs::path& dir, const std::string& name) {
  const std::string key = (dir / (name + ".pem")).string();
  return Shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + key) &&
         Shell("openssl pkey -in " + key + " -pubout -out " + (dir / (name + ".pub.pem")).string());
}

bool MakeEcKey(const fs::path& dir, const std::string& name, const std::string& curve) {
  const std::string key = (dir / (name + ".pem")).string();
  return Shell("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:" + curve + " -out " +
             key) &&
         Shell("openssl pkey -in " + key + " -pubout -out " + (dir / (name + ".pub.pem")).string());
}

struct Claims {
  std::string sub{};
  long ttl_seconds = 3600;
  std::string iss{};
  std::string aud_json{};  // a JSON value: "\"parley\"" or "[\"a\",\"parley\"]"
  std::string kid{};       // the header's kid; empty: none
};

std::string Sign(jwt_alg_t alg, const std::string& key, const Claims& claims) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const long now = static_cast<long>(std::time(nullptr));
  jwt_add_grant(jwt, "sub", claims.sub.c_str());
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + claims.ttl_seconds);
  if (!claims.iss.empty()) jwt_add_grant(jwt, "iss", claims.iss.c_str());
  if (!claims.kid.empty()) jwt_add_header(jwt, "kid", claims.kid.c_str());
  if (!claims.aud_json.empty()) {
    jwt_add_grants_json(jwt, ("{\"aud\":" + claims.aud_json + "}").c_str());
  }
  jwt_set_alg(jwt, alg, key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string Base64Url(const std::vector<unsigned char>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::vector<unsigned char> Bytes(const BIGNUM* bn, int pad) {
  std::vector<unsigned char> out(static_cast<std::size_t>(std::max(pad, BN_num_bytes(bn))));
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  return out;
}

// The JWK a backend publishes for a PEM public key (RSA or EC P-256).
json::object Jwk(const std::string& public_pem, const std::string& kid) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  json::object jwk{{"kid", kid}, {"use", "sig"}};
  auto param = [&](const char* name, int pad) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    std::string text = bn ? Base64Url(Bytes(bn, pad)) : "";
    BN_free(bn);
    return text;
  };
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    jwk["kty"] = "RSA";
    jwk["alg"] = "RS256";
    jwk["n"] = param(OSSL_PKEY_PARAM_RSA_N, 0);
    jwk["e"] = param(OSSL_PKEY_PARAM_RSA_E, 0);
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = param(OSSL_PKEY_PARAM_EC_PUB_X, 32);
    jwk["y"] = param(OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  }
  EVP_PKEY_free(key);
  return jwk;
}

class ProductTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Shell("openssl version >/dev/null")) GTEST_SKIP() << "needs the openssl CLI";
    ASSERT_TRUE(MakeRsaKey(keys_.path(), "rsa"));
    ASSERT_TRUE(MakeRsaKey(keys_.path(), "other"));
    ASSERT_TRUE(MakeEcKey(keys_.path(), "ec", "P-256"));
  }

  std::string Key(const std::string& name) const { return ReadText(keys_.path() / name); }
  std::string KeyPath(const std::string& name) const { return (keys_.path() / name).string(); }

  void StartServer(std::vector<std::string> args) {
    server_ = ServerProcess::Start(data_.path() / "data", std::move(args));
    ASSERT_NE(server_, nullptr);
  }

  std::int64_t LoginCode(const std::string& token) {
    RawTcpClient client(server_->tcp_port());
    return CodeOf(client.Call(1, {{"token", token}}));
  }

  std::string Rs256(const Claims& claims) { return Sign(JWT_ALG_RS256, Key("rsa.pem"), claims); }

  // Writes jwks.json with the public keys `names` (kid = name) and returns its path.
  std::string WriteJwks(const std::vector<std::string>& names) {
    json::array keys;
    for (const std::string& name : names) keys.push_back(Jwk(Key(name + ".pub.pem"), name));
    const fs::path path = keys_.path() / "jwks.json";
    std::ofstream(path) << json::serialize(json::object{{"keys", std::move(keys)}});
    return path.string();
  }

  TempDir keys_;
  TempDir data_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ProductTokensTest, Rs256TokenLogsInOverTcpAndWebSocket) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem")}));
  RawTcpClient tcp(server_->tcp_port());
  auto reply = tcp.Call(1, {{"token", Rs256({.sub = "alice"})}});
  ASSERT_EQ(CodeOf(reply), 0) << server_->Log();
  EXPECT_EQ(reply->at("user_id").as_string(), "alice");
  RawWsClient ws(server_->ws_port(), "/ws?token=" + Rs256({.sub = "alice"}));
  EXPECT_TRUE(ws.upgraded()) << ws.response_head();
}

TEST_F(ProductTokensTest, ParleysOwnTokensStillWork) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem")}));
  EXPECT_EQ(LoginCode(TestToken("dave")), 0);
  RawWsClient ws(server_->ws_port(), "/ws?token=" + TestToken("dave"));
  EXPECT_TRUE(ws.upgraded()) << ws.response_head();
}

TEST_F(ProductTokensTest, ForgedAndConfusedTokensAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem")}));
  // Algorithm confusion: the public PEM (known to anyone) as an HMAC secret.
  const std::string confused = Sign(JWT_ALG_HS256, Key("rsa.pub.pem"), {.sub = "mallory"});
  EXPECT_EQ(LoginCode(confused), 401);
  RawWsClient ws(server_->ws_port(), "/ws?token=" + confused);
  EXPECT_TRUE(ws.response_head().starts_with("HTTP/1.1 401")) << ws.response_head();
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_HS384, Key("rsa.pub.pem"), {.sub = "mallory"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_NONE, "", {.sub = "mallory"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_RS256, Key("other.pem"), {.sub = "mallory"})), 401);
  // The key is RSA: an ES256 token is refused even if validly signed.
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_ES256, Key("ec.pem"), {.sub = "mallory"})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice", .ttl_seconds = -10})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "not a valid id!"})), 401);
}

TEST_F(ProductTokensTest, Es256KeyPinsEs256) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("ec.pub.pem")}));
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_ES256, Key("ec.pem"), {.sub = "erin"})), 0) << server_->Log();
  EXPECT_EQ(LoginCode(Rs256({.sub = "erin"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_HS256, Key("ec.pub.pem"), {.sub = "erin"})), 401);
}

TEST_F(ProductTokensTest, AJwksKidPicksTheKeyAndSighupRotatesIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-jwks", WriteJwks({"rsa", "ec"})}));
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice", .kid = "rsa"})), 0) << server_->Log();
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_ES256, Key("ec.pem"), {.sub = "erin", .kid = "ec"})), 0);
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice"})), 0) << "no kid: the only RS256 key";
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice", .kid = "ec"})), 401) << "kid of a key of another alg";
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice", .kid = "nope"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_RS256, Key("other.pem"), {.sub = "m", .kid = "rsa"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_HS256, Key("rsa.pub.pem"), {.sub = "m", .kid = "rsa"})), 401);
  EXPECT_EQ(LoginCode(Sign(JWT_ALG_NONE, "", {.sub = "m", .kid = "rsa"})), 401);

  // Rotation: the backend now signs with "other"; the old key is withdrawn.
  WriteJwks({"other"});
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  const std::string rotated = Sign(JWT_ALG_RS256, Key("other.pem"), {.sub = "alice", .kid = "other"});
  std::int64_t code = -1;
  for (int i = 0; i < 50 && code != 0; ++i) {
    code = LoginCode(rotated);
    if (code != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(code, 0) << server_->Log();
  EXPECT_EQ(LoginCode(Rs256({.sub = "alice", .kid = "rsa"})), 401) << "withdrawn";

  // A broken file on reload keeps the keys in use.
  std::ofstream(keys_.path() / "jwks.json") << "{not json";
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(LoginCode(rotated), 0);
  EXPECT_NE(server_->Log().find("cannot reload JWKS"), std::string::npos) << server_->Log();
}

TEST_F(ProductTokensTest, IssuerAndAudienceAreEnforcedWhenConfigured) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem"),
                                       "--jwt-issuer", "shop", "--jwt-audience", "parley"}));
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "shop", .aud_json = "\"parley\""})), 0);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "shop", .aud_json = R"(["x","parley"])"})), 0);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "other", .aud_json = "\"parley\""})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .aud_json = "\"parley\""})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "shop", .aud_json = "\"billing\""})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "shop", .aud_json = R"(["x"])"})), 401);
  EXPECT_EQ(LoginCode(Rs256({.sub = "a", .iss = "shop"})), 401);
  // Parley's own tokens carry neither and stay valid.
  EXPECT_EQ(LoginCode(TestToken("a")), 0);
}

TEST_F(ProductTokensTest, ProvisionedUserCanBeMessaged) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem")}));
  const json::object chat_to_bob = {
      {"msg_id", "m1"}, {"to", "bob"}, {"payload", {{"content", "hi"}, {"msg_type", 1}}}};
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(Rs256({.sub = "alice"})));
  // bob is unknown to Parley until his first login.
  EXPECT_EQ(CodeOf(alice.Call(2, chat_to_bob)), 404);
  RawTcpClient bob(server_->tcp_port());
  auto bob_reply = bob.Call(1, {{"token", Rs256({.sub = "bob"})}});
  ASSERT_EQ(CodeOf(bob_reply), 0) << (bob_reply ? json::serialize(*bob_reply) : "none")
                                  << server_->Log();
  json::object retry = chat_to_bob;
  retry["msg_id"] = "m2";
  EXPECT_EQ(CodeOf(alice.Call(2, retry)), 0) << server_->Log();
  // No password was ever set: password login stays impossible.
  RawTcpClient guess(server_->tcp_port());
  EXPECT_EQ(CodeOf(guess.Call(1, {{"user_id", "bob"}, {"password", "x"}})), 401);
}

TEST_F(ProductTokensTest, WebSocketUpgradeProvisionsTheUser) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--jwt-public-key", KeyPath("rsa.pub.pem")}));
  RawWsClient carol(server_->ws_port(), "/ws?token=" + Rs256({.sub = "carol"}));
  ASSERT_TRUE(carol.upgraded()) << carol.response_head();
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(Rs256({.sub = "alice"})));
  // Provisioning after an upgrade runs in the background: wait for it.
  std::int64_t code = -1;
  for (int attempt = 0; attempt < 50 && code != 0; ++attempt) {
    const json::object chat = {{"msg_id", "w" + std::to_string(attempt)},
                               {"to", "carol"},
                               {"payload", {{"content", "hi"}, {"msg_type", 1}}}};
    code = CodeOf(alice.Call(2, chat));
    if (code != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(code, 0) << server_->Log();
}

}  // namespace
}  // namespace parley::testing
