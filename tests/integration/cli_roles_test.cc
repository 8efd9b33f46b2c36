// The CLI's group role commands (tools/cli_group_commands.cc) through the
// client library against a real parleyd: promote, mute until unmuted and
// for a time, unmute, announcement groups, transfer and demote, each with
// the answer a user reads and the rule the server then enforces.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness/device.h"
#include "integration/harness/http_post.h"
#include "integration/harness/server_process.h"
#include "tools/cli_commands.h"

namespace parley::testing {
namespace {

using Lines = std::vector<std::string>;

class CliRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data");
    ASSERT_TRUE(server_);
    for (const char* user : {"alice", "bob", "carol"}) {
      devices_.emplace(user, std::make_unique<Device>(server_->tcp_port(),
                                                      RegisterUser(server_->ws_port(), user)));
    }
  }
  // The lines the CLI prints for `line` typed by `user`.
  Lines Run(const std::string& user, const std::string& line) {
    Lines lines;
    tools::Output out{[&](std::string_view l) { lines.emplace_back(l); },
                      [&](std::string_view l) { lines.emplace_back(l); }};
    tools::RunCommand(devices_.at(user)->client(), user, line, out);
    return lines;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::unique_ptr<Device>> devices_;
};

TEST_F(CliRolesTest, PromoteMuteAnnounceTransferDemote) {
  const Lines created = Run("alice", "group create Team bob carol");
  ASSERT_EQ(created.size(), 1u);
  const std::string g = "#" + created[0];  // the id, alone on its line

  EXPECT_EQ(Run("bob", "group promote " + g + " carol"),
            Lines({"error 403: only the owner can promote"}));
  EXPECT_EQ(Run("alice", "group promote " + g + " bob"), Lines({"✓ made bob admin of " + g}));

  // An admin mutes a plain member until unmuted, then lifts it.
  EXPECT_EQ(Run("bob", "group mute " + g + " 0 carol"),
            Lines({"✓ muted carol in " + g + " until unmuted"}));
  EXPECT_EQ(Run("carol", "send " + g + " hello?"), Lines({"error 403: muted until unmuted"}));
  EXPECT_EQ(Run("carol", "group mute " + g + " 0 bob").size(), 1u) << "a plain member cannot";
  EXPECT_EQ(Run("bob", "group unmute " + g + " carol"), Lines({"✓ unmuted carol in " + g}));
  EXPECT_EQ(Run("carol", "send " + g + " back").size(), 1u);
  EXPECT_TRUE(Run("carol", "send " + g + " back again")[0].starts_with("✓ seq")) << "unmuted";
  // For a time: the answer names the end.
  const Lines timed = Run("bob", "group mute " + g + " 60 carol");
  ASSERT_EQ(timed.size(), 1u);
  EXPECT_TRUE(timed[0].starts_with("✓ muted carol in " + g + " until 20")) << timed[0];
  EXPECT_TRUE(Run("carol", "send " + g + " x")[0].starts_with("error 403: muted until 20"));

  // An announcement group: only the owner and admins send.
  EXPECT_EQ(Run("alice", "group set " + g + " only_admins_send=true"),
            Lines({"✓ changed the settings of " + g}));
  EXPECT_EQ(Run("bob", "group unmute " + g + " carol"), Lines({"✓ unmuted carol in " + g}));
  EXPECT_EQ(Run("carol", "send " + g + " x"), Lines({"error 403: only admins may send here"}));
  EXPECT_TRUE(Run("bob", "send " + g + " announcement")[0].starts_with("✓ seq"));

  // Transfer: bob owns it, alice becomes an admin; the new owner demotes her.
  EXPECT_EQ(Run("alice", "group transfer " + g + " bob"), Lines({"✓ handed " + g + " over to bob"}));
  const Lines members = Run("carol", "group members " + g);
  ASSERT_GE(members.size(), 2u);
  EXPECT_NE(members[0].find("(owner bob)"), std::string::npos) << members[0];
  EXPECT_EQ(members[1], "  admins: alice");
  EXPECT_EQ(Run("alice", "group demote " + g + " bob").size(), 1u) << "an admin cannot demote";
  EXPECT_EQ(Run("bob", "group demote " + g + " alice"),
            Lines({"✓ made alice a plain member of " + g}));
  EXPECT_EQ(Run("alice", "send " + g + " x"), Lines({"error 403: only admins may send here"}));
  EXPECT_EQ(Run("bob", "group mute " + g + " -5 carol").size(), 1u) << "usage";
}

}  // namespace
}  // namespace parley::testing
