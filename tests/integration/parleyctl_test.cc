// parleyctl against a real parleyd: every command does what it says, prints
// what a person reads (or the server's JSON with --json), and exits with the
// code a script relies on (0 done, 2 usage, 3 not found, 4 refused,
// 5 conflict, 6 unreachable).

#include <gtest/gtest.h>


#include <boost/json/parse.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/command.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kKey = "parleyctl-test-key-0123456789-0123456789";

class ParleyctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", {"--api-key", kKey});
    ASSERT_TRUE(server_);
  }
  Ran Ctl(const std::string& args, const std::string& key = kKey) {
    const std::string cmd = std::string(PARLEYCTL_PATH) + " --url http://127.0.0.1:" +
                            std::to_string(server_->ws_port()) + " --api-key '" + key + "' " +
                            args;
    return RunCommand(cmd);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ParleyctlTest, UsersTokensAndExitCodes) {
  EXPECT_EQ(Ctl("users create alice --password pw").exit_code, 0);
  EXPECT_EQ(Ctl("users create alice").exit_code, 5) << "conflict";
  EXPECT_EQ(Ctl("users show nobody").exit_code, 3) << "not found";
  EXPECT_EQ(Ctl("users show alice", "wrong-key-0123456789-0123456789-0123").exit_code, 4);
  EXPECT_EQ(Ctl("users").exit_code, 2) << "usage";
  EXPECT_EQ(Ctl("users create 'not valid!'").exit_code, 2) << "400";
  Ran unreachable;
  {
    const std::string cmd = std::string(PARLEYCTL_PATH) + " --url http://127.0.0.1:1 users show a";
    unreachable.exit_code = WEXITSTATUS(std::system((cmd + " 2>/dev/null").c_str()));
  }
  EXPECT_EQ(unreachable.exit_code, 6);

  const Ran shown = Ctl("users show alice");
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.out.find("banned: false"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("has_password: true"), std::string::npos) << shown.out;

  const Ran minted = Ctl("--json token alice --ttl 600");
  ASSERT_EQ(minted.exit_code, 0);
  const std::string token(json::parse(minted.out).at("token").as_string());
  RawTcpClient device(server_->tcp_port());
  ASSERT_TRUE(device.Login(token));
  const Ran devices = Ctl("--json users devices alice");
  EXPECT_EQ(json::parse(devices.out).at("devices").as_array().size(), 1u) << devices.out;
  const Ran stats = Ctl("stats --interval 0.2");
  EXPECT_EQ(stats.exit_code, 0);
  EXPECT_NE(stats.out.find("connections_open: 1"), std::string::npos) << stats.out;

  EXPECT_EQ(Ctl("users ban alice").exit_code, 0);
  EXPECT_TRUE(device.WaitClosed(2s));
  EXPECT_EQ(Ctl("token alice").exit_code, 4) << "banned";
  EXPECT_EQ(Ctl("users unban alice").exit_code, 0);
  EXPECT_EQ(Ctl("users logout alice").exit_code, 0);
  RawTcpClient again(server_->tcp_port());
  EXPECT_EQ(CodeOf(again.Call(1, {{"token", token}})), 401) << "minted before the logout";
}

TEST_F(ParleyctlTest, GroupsAndMessages) {
  for (const char* user : {"owner", "m1", "m2", "bot"}) {
    ASSERT_EQ(Ctl(std::string("users create ") + user).exit_code, 0);
  }
  EXPECT_EQ(Ctl("groups create --owner owner --name Team --id team m1").exit_code, 0);
  EXPECT_EQ(Ctl("groups set-members team owner m1 m2 bot").exit_code, 0);
  EXPECT_EQ(Ctl("groups set-members team m1").exit_code, 2) << "the owner must stay";
  EXPECT_EQ(Ctl("groups set-owner team m1").exit_code, 0);
  const json::value group = json::parse(Ctl("--json groups show team").out);
  EXPECT_EQ(group.at("owner_id").as_string(), "m1");
  EXPECT_EQ(group.at("members").as_array().size(), 4u);

  const Ran sent = Ctl("--json send --from bot --group team --msg-id hello-1 'Hello, team'");
  ASSERT_EQ(sent.exit_code, 0) << sent.out;
  const std::int64_t seq = json::parse(sent.out).at("seq").as_int64();
  const Ran retried = Ctl("--json send --from bot --group team --msg-id hello-1 'Hello, team'");
  EXPECT_EQ(json::parse(retried.out).at("seq").as_int64(), seq) << "a retry is the same message";
  EXPECT_EQ(Ctl("send --from bot --msg-id x hi").exit_code, 2) << "no --to or --group";
  EXPECT_EQ(Ctl("send --from nobody --to m1 --msg-id x hi").exit_code, 3);
  const Ran listed = Ctl("users conversations m2");
  EXPECT_NE(listed.out.find("Hello, team"), std::string::npos) << listed.out;

  const std::string backup_dir = (dir_.path() / "backup").string();
  EXPECT_EQ(Ctl("backup " + backup_dir).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(backup_dir) / "CURRENT"));
  EXPECT_EQ(Ctl("backup " + backup_dir).exit_code, 5) << "exists";
}

}  // namespace
}  // namespace parley::testing
