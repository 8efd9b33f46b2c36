// The server API (docs/protocol.md "Server API") against a real parleyd, on
// both backends: only a configured key opens it (a wrong or missing key is
// 401, no key configured is 404); the product's backend creates users with
// or without a password and mints tokens they log in with; a ban closes
// every device and refuses every way back in until unbanned; a log-out
// everywhere refuses the tokens issued before it; groups are created and
// their members set; messages are sent as a user or a bot through the
// ordinary checks, idempotent by msg_id; a user's devices and conversations
// are read. In cluster mode a ban closes devices on three gateways at once.
// Errors are the protocol's.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "integration/harness/backend.h"
#include "integration/harness/http_client.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

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
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = {}) {
    HttpHeaders headers = {{"Authorization", "Bearer " + kKey}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return HttpRequest(server_->ws_port(), method, path, headers, body);
  }
  json::object Answer(const HttpResponse& response) {
    EXPECT_FALSE(response.body.empty());
    return json::parse(response.body).as_object();
  }
  std::int64_t LoginCode(const json::object& login) {
    RawTcpClient client(server_->tcp_port());
    return CodeOf(client.Call(1, login));
  }
  std::string Mint(const std::string& user_id) {
    const HttpResponse minted = Post("/api/admin/tokens", R"({"user_id":")" + user_id + R"("})");
    EXPECT_EQ(minted.status, 200) << minted.body;
    return minted.status == 200 ? std::string(Answer(minted).at("token").as_string()) : "";
  }
  std::unique_ptr<RawTcpClient> Device(const std::string& token) {
    auto device = std::make_unique<RawTcpClient>(server_->tcp_port());
    EXPECT_TRUE(device->Login(token));
    return device;
  }
  std::size_t DeviceCount(const std::string& user_id) {
    const HttpResponse devices = Call("GET", "/api/admin/users/" + user_id + "/devices");
    EXPECT_EQ(devices.status, 200) << devices.body;
    return devices.status == 200 ? Answer(devices).at("devices").as_array().size() : 0;
  }
  // The message of the next PUSH on `device` (skipping other packets), or nothing.
  std::optional<json::object> NextPush(RawTcpClient& device) {
    for (int i = 0; i < 20; ++i) {
      std::optional<json::object> packet = device.Read(5s);
      if (!packet) return std::nullopt;
      if (packet->at("cmd").as_int64() == 5) return packet->at("payload").as_object();
    }
    return std::nullopt;
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

TEST_F(AdminApiTest, ABanClosesEveryDeviceAndRefusesEveryWayBackUntilUnbanned) {
  Start({"--api-key", kKey});
  ASSERT_EQ(Post("/api/admin/users", R"({"user_id":"alice","password":"alice-pw"})").status, 201);
  ASSERT_EQ(Post("/api/admin/users", R"({"user_id":"bob"})").status, 201);
  const std::string token = Mint("alice");
  auto tcp = Device(token);
  RawWsClient ws(server_->ws_port(), "/ws?token=" + token);
  ASSERT_TRUE(ws.upgraded()) << ws.response_head();
  EXPECT_EQ(DeviceCount("alice"), 2u);
  EXPECT_FALSE(Answer(Call("GET", "/api/admin/users/alice")).at("banned").as_bool());

  const HttpResponse banned = Call("POST", "/api/admin/users/alice/ban");
  ASSERT_EQ(banned.status, 200) << banned.body;
  EXPECT_TRUE(Answer(banned).at("banned").as_bool());
  EXPECT_TRUE(tcp->WaitClosed(2s)) << "TCP device still open after the ban";
  EXPECT_EQ(ws.Read(2s).opcode, 0x8) << "no close frame after the ban";
  EXPECT_EQ(DeviceCount("alice"), 0u) << "closing devices are not online";

  // Every way back in is refused, with a password or with a token.
  EXPECT_EQ(LoginCode({{"user_id", "alice"}, {"password", "alice-pw"}}), 403);
  EXPECT_EQ(LoginCode({{"token", token}}), 403);
  RawWsClient refused(server_->ws_port(), "/ws?token=" + token);
  EXPECT_TRUE(refused.response_head().starts_with("HTTP/1.1 403")) << refused.response_head();
  EXPECT_EQ(HttpRequest(server_->ws_port(), "POST", "/api/login",
                        {{"Content-Type", "application/json"}},
                        R"({"user_id":"alice","password":"alice-pw"})")
                .status,
            403);
  EXPECT_EQ(Post("/api/admin/tokens", R"({"user_id":"alice"})").status, 403);
  EXPECT_EQ(Post("/api/admin/messages", R"({"from":"alice","to":"bob","msg_id":"x",)"
                                        R"("payload":{"content":"hi"}})")
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/admin/users/nobody/ban").status, 404);
  EXPECT_EQ(Call("GET", "/api/admin/users/alice/ban").status, 405);

  ASSERT_EQ(Call("POST", "/api/admin/users/alice/unban").status, 200);
  EXPECT_EQ(LoginCode({{"user_id", "alice"}, {"password", "alice-pw"}}), 0);
  EXPECT_EQ(LoginCode({{"token", token}}), 0) << "a ban does not revoke tokens; logout does";
}

TEST_F(AdminApiTest, LogoutEverywhereRefusesTokensIssuedBeforeIt) {
  Start({"--api-key", kKey});
  ASSERT_EQ(Post("/api/admin/users", R"({"user_id":"alice","password":"alice-pw"})").status, 201);
  const std::string before = Mint("alice");
  const std::string harness_token = TestToken("alice");  // iat in whole seconds
  auto device = Device(before);
  std::this_thread::sleep_for(1100ms);  // past harness_token's iat second

  const HttpResponse out = Call("POST", "/api/admin/users/alice/logout");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_GT(Answer(out).at("tokens_valid_after").as_int64(), 0);
  EXPECT_TRUE(device->WaitClosed(2s));
  EXPECT_EQ(LoginCode({{"token", before}}), 401);
  EXPECT_EQ(LoginCode({{"token", harness_token}}), 401);
  RawWsClient refused(server_->ws_port(), "/ws?token=" + before);
  EXPECT_TRUE(refused.response_head().starts_with("HTTP/1.1 401")) << refused.response_head();

  // Tokens issued after it work, minted or from a password login.
  const std::string after = Mint("alice");
  EXPECT_EQ(LoginCode({{"token", after}}), 0);
  EXPECT_EQ(LoginCode({{"user_id", "alice"}, {"password", "alice-pw"}}), 0);
}

TEST_F(AdminApiTest, GroupsAreCreatedAndTheirMembersSetByTheBackend) {
  Start({"--api-key", kKey});
  for (const char* user : {"owner", "m1", "m2", "m3"}) {
    ASSERT_EQ(Post("/api/admin/users", json::serialize(json::object{{"user_id", user}})).status, 201);
  }
  const HttpResponse created =
      Post("/api/admin/groups", R"({"owner":"owner","group_id":"team","name":"Team",)"
                                R"("members":["m1","m2"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Answer(created).at("conversation_id").as_string(), "group_team");
  EXPECT_EQ(Post("/api/admin/groups", R"({"owner":"owner","group_id":"team","name":"T","members":[]})")
                .status,
            409);
  EXPECT_EQ(Post("/api/admin/groups", R"({"owner":"ghost","name":"T","members":[]})").status, 404);

  auto m3 = Device(Mint("m3"));
  auto m2 = Device(Mint("m2"));
  const HttpResponse set = Call("PUT", "/api/admin/groups/team/members",
                                R"({"members":["owner","m1","m3"]})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::serialize(Answer(set).at("added")), R"(["m3"])");
  EXPECT_EQ(json::serialize(Answer(set).at("removed")), R"(["m2"])");
  std::optional<json::object> invited = NextPush(*m3);
  ASSERT_TRUE(invited) << "m3 heard nothing of being added";
  EXPECT_EQ(invited->at("conversation_id").as_string(), "group_team");

  const json::object group = Answer(Call("GET", "/api/admin/groups/team"));
  EXPECT_EQ(json::serialize(group.at("members")), R"(["m1","m3","owner"])");
  EXPECT_EQ(group.at("owner_id").as_string(), "owner");
  EXPECT_EQ(json::serialize(group.at("banned")), R"(["m2"])") << "removed like a kick";

  EXPECT_EQ(Call("PUT", "/api/admin/groups/team/members", R"({"members":["m1"]})").status, 400)
      << "the owner stays";
  EXPECT_EQ(Call("PUT", "/api/admin/groups/team/members", R"({"members":"m1"})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/admin/groups/nope/members", R"({"members":["m1"]})").status, 404);
  EXPECT_EQ(Call("GET", "/api/admin/groups/nope").status, 404);
  // Adding a removed member again lifts its ban.
  ASSERT_EQ(Call("PUT", "/api/admin/groups/team/members",
                 R"({"members":["owner","m1","m2","m3"]})")
                .status,
            200);
  EXPECT_EQ(json::serialize(Answer(Call("GET", "/api/admin/groups/team")).at("members")),
            R"(["m1","m2","m3","owner"])");

  // Handing the group over: the old owner stays as an admin.
  const HttpResponse handed = Post("/api/admin/groups/team/owner", R"({"user_id":"m1"})");
  ASSERT_EQ(handed.status, 200) << handed.body;
  EXPECT_EQ(Answer(handed).at("previous_owner_id").as_string(), "owner");
  const json::object after = Answer(Call("GET", "/api/admin/groups/team"));
  EXPECT_EQ(after.at("owner_id").as_string(), "m1");
  EXPECT_EQ(json::serialize(after.at("admins")), R"(["owner"])");
  EXPECT_EQ(Post("/api/admin/groups/team/owner", R"({"user_id":"stranger"})").status, 404);
}

TEST_F(AdminApiTest, MessagesSentAsAUserOrABotTakeTheOrdinaryPath) {
  Start({"--api-key", kKey});
  for (const char* user : {"alice", "bob", "carol", "helpbot"}) {
    ASSERT_EQ(Post("/api/admin/users", json::serialize(json::object{{"user_id", user}})).status, 201);
  }
  ASSERT_EQ(Post("/api/admin/groups",
                 R"({"owner":"alice","group_id":"g1","name":"G","members":["bob"]})")
                .status,
            201);
  auto bob = Device(Mint("bob"));

  // A bot (a user without a password) writes to bob 1:1.
  const std::string hello =
      R"({"from":"helpbot","to":"bob","msg_id":"welcome-1","payload":{"content":"Welcome!"}})";
  const HttpResponse sent = Post("/api/admin/messages", hello);
  ASSERT_EQ(sent.status, 200) << sent.body;
  const json::object answer = Answer(sent);
  EXPECT_EQ(answer.at("seq").as_int64(), 1);
  EXPECT_EQ(answer.at("msg_id").as_string(), "welcome-1");
  std::optional<json::object> pushed = NextPush(*bob);
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("sender_id").as_string(), "helpbot");
  EXPECT_EQ(pushed->at("content").as_string(), "Welcome!");
  // A retry is the same message; the msg_id with other content is refused.
  const HttpResponse retried = Post("/api/admin/messages", hello);
  ASSERT_EQ(retried.status, 200);
  EXPECT_EQ(Answer(retried).at("seq").as_int64(), 1);
  EXPECT_EQ(Post("/api/admin/messages", R"({"from":"helpbot","to":"bob","msg_id":"welcome-1",)"
                                        R"("payload":{"content":"other"}})")
                .status,
            409);

  // As a user into its group: the members get it, in seq order after the create.
  const HttpResponse in_group = Post(
      "/api/admin/messages",
      R"({"from":"alice","conversation_id":"group_g1","msg_id":"a1","payload":{"content":"hi team"}})");
  ASSERT_EQ(in_group.status, 200) << in_group.body;
  EXPECT_EQ(Answer(in_group).at("seq").as_int64(), 2);
  pushed = NextPush(*bob);
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("content").as_string(), "hi team");

  // The access rules are the client's: a non-member cannot post to the group.
  EXPECT_EQ(Post("/api/admin/messages", R"({"from":"carol","conversation_id":"group_g1",)"
                                        R"("msg_id":"c1","payload":{"content":"x"}})")
                .status,
            403);
  EXPECT_EQ(Post("/api/admin/messages", R"({"from":"ghost","to":"bob","msg_id":"g1",)"
                                        R"("payload":{"content":"x"}})")
                .status,
            404);
  EXPECT_EQ(Post("/api/admin/messages", R"({"to":"bob","msg_id":"n1","payload":{"content":"x"}})")
                .status,
            400);
  EXPECT_EQ(Post("/api/admin/messages", R"({"from":"alice","to":"bob","payload":{"content":"x"}})")
                .status,
            400)
      << "msg_id is required: it is what makes a retry safe";

  // bob's conversations and groups, as the backend reads them.
  const HttpResponse listed = Call("GET", "/api/admin/users/bob/conversations");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json::object lists = Answer(listed);
  EXPECT_EQ(lists.at("conversations").as_array().size(), 2u);
  ASSERT_EQ(lists.at("groups").as_array().size(), 1u);
  EXPECT_EQ(lists.at("groups").as_array()[0].at("group_id").as_string(), "g1");
  EXPECT_EQ(Call("GET", "/api/admin/users/bob/devices").status, 200);
  EXPECT_EQ(Call("GET", "/api/admin/users/not%20valid/devices").status, 404);
}

// Cluster mode: a ban given on one gateway closes the user's devices on all
// three within a second, and every gateway refuses the next login.
TEST(AdminApiClusterTest, ABanClosesDevicesOnEveryGateway) {
  if (!ClusterBackend()) GTEST_SKIP() << "cluster variant only (this one starts its own gateways)";
  TempDir dir;
  std::vector<std::unique_ptr<ServerProcess>> gateways;
  for (const char* id : {"gw1", "gw2", "gw3"}) {
    gateways.push_back(ServerProcess::StartGateway(dir.path(), id, {"--api-key", kKey}));
    ASSERT_TRUE(gateways.back());
  }
  const HttpHeaders auth = {{"Authorization", "Bearer " + kKey},
                            {"Content-Type", "application/json"}};
  ASSERT_EQ(HttpRequest(gateways[0]->ws_port(), "POST", "/api/admin/users", auth,
                        R"({"user_id":"alice"})")
                .status,
            201);
  const std::string token = TestToken("alice");
  std::vector<std::unique_ptr<RawTcpClient>> devices;
  for (auto& gateway : gateways) {
    devices.push_back(std::make_unique<RawTcpClient>(gateway->tcp_port()));
    ASSERT_TRUE(devices.back()->Login(token));
  }
  // Presence reaches Redis asynchronously: wait until gw3 sees all three.
  std::size_t seen = 0;
  for (int i = 0; i < 50 && seen < 3; ++i) {
    const HttpResponse listed =
        HttpRequest(gateways[2]->ws_port(), "GET", "/api/admin/users/alice/devices", auth);
    seen = json::parse(listed.body).at("devices").as_array().size();
    if (seen < 3) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(seen, 3u);

  const auto banned_at = std::chrono::steady_clock::now();
  ASSERT_EQ(HttpRequest(gateways[1]->ws_port(), "POST", "/api/admin/users/alice/ban", auth).status,
            200);
  for (auto& device : devices) EXPECT_TRUE(device->WaitClosed(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - banned_at, 1s) << "not closed within a second";
  for (auto& gateway : gateways) {
    RawTcpClient again(gateway->tcp_port());
    EXPECT_EQ(CodeOf(again.Call(1, {{"token", token}})), 403);
  }
}

}  // namespace
}  // namespace parley::testing
