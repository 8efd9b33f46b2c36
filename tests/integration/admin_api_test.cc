// The server API (docs/protocol.md "Server API") against a real parleyd, on
// both backends: only a configured key opens it (a wrong or missing key is
// 401, no key configured is 404); the product's backend creates users with
// or without a password and mints tokens they log in with; errors are the
// protocol's.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <string>

#include "integration/harness/http_client.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

const std::string kKey = "api-key-0123456789-0123456789-0123456789";
const std::string kOldKey = "old-api-key-0123456789-0123456789-012345";

class AdminApiTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    server_ = ServerProcess::Start(dir_.path() / "data", std::move(flags));
    ASSERT_TRUE(server_);
  }
  HttpResponse Post(const std::string& path, const std::string& body,
                    const std::string& key = kKey) {
    HttpHeaders headers = {{"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
    return HttpRequest(server_->ws_port(), "POST", path, headers, body);
  }
  std::int64_t LoginCode(const json::object& login) {
    RawTcpClient client(server_->tcp_port());
    return CodeOf(client.Call(1, login));
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AdminApiTest, OnlyAConfiguredKeyOpensIt) {
  Start({"--api-key", kKey + "," + kOldKey});
  const std::string body = R"({"user_id":"alice"})";
  EXPECT_EQ(Post("/api/admin/users", body, "").status, 401) << "no key";
  EXPECT_EQ(Post("/api/admin/users", body, kKey + "x").status, 401) << "wrong key";
  EXPECT_EQ(Post("/api/admin/users", body, "Basic " + kKey).status, 401);
  EXPECT_EQ(Post("/api/admin/users", body, kOldKey).status, 201) << "a key being rotated out";
  EXPECT_EQ(Post("/api/admin/nothing", body).status, 404);
  EXPECT_EQ(HttpRequest(server_->ws_port(), "GET", "/api/admin/users",
                        {{"Authorization", "Bearer " + kKey}})
                .status,
            405);
}

TEST_F(AdminApiTest, TheApiIsOffWithoutAKey) {
  Start({});
  EXPECT_EQ(Post("/api/admin/users", R"({"user_id":"alice"})").status, 404);
}

TEST_F(AdminApiTest, UsersAndTokensForTheProductsBackend) {
  Start({"--api-key", kKey});
  // Without a password: the backend mints its tokens; password login is impossible.
  ASSERT_EQ(Post("/api/admin/users", R"({"user_id":"alice"})").status, 201);
  EXPECT_EQ(Post("/api/admin/users", R"({"user_id":"alice"})").status, 409);
  EXPECT_EQ(Post("/api/admin/users", R"({"user_id":"not valid!"})").status, 400);
  EXPECT_EQ(Post("/api/admin/users", R"({"password":"x"})").status, 400);
  EXPECT_EQ(Post("/api/admin/users", "not json").status, 400);
  EXPECT_EQ(LoginCode({{"user_id", "alice"}, {"password", ""}}), 401);
  // With a password: it logs in like a registered user.
  ASSERT_EQ(Post("/api/admin/users", R"({"user_id":"bob","password":"bobs-secret"})").status,
            201);
  EXPECT_EQ(LoginCode({{"user_id", "bob"}, {"password", "bobs-secret"}}), 0);

  const HttpResponse minted = Post("/api/admin/tokens", R"({"user_id":"alice","ttl_seconds":600})");
  ASSERT_EQ(minted.status, 200) << minted.body;
  const json::object answer = json::parse(minted.body).as_object();
  EXPECT_EQ(answer.at("user_id").as_string(), "alice");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_NEAR(static_cast<double>(answer.at("expires_at").as_int64()), now_ms + 600'000.0,
              10'000.0);
  RawTcpClient alice(server_->tcp_port());
  ASSERT_TRUE(alice.Login(std::string(answer.at("token").as_string())));
  // bob can message the user the backend created.
  RawTcpClient bob(server_->tcp_port());
  ASSERT_TRUE(bob.Login(std::string(
      json::parse(Post("/api/admin/tokens", R"({"user_id":"bob"})").body).at("token").as_string())));
  EXPECT_EQ(CodeOf(bob.Call(2, {{"msg_id", "b1"}, {"to", "alice"}, {"payload", {{"content", "hi"}}}})),
            0);

  EXPECT_EQ(Post("/api/admin/tokens", R"({"user_id":"nobody"})").status, 404);
  EXPECT_EQ(Post("/api/admin/tokens", R"({"user_id":"alice","ttl_seconds":0})").status, 400);
  EXPECT_EQ(Post("/api/admin/tokens", R"({"user_id":"alice","ttl_seconds":99999999})").status,
            400);
}

}  // namespace
}  // namespace parley::testing
