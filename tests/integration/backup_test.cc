// Online backup and restore of an embedded node (docs/operations.md "Backup
// and restore"): a backup taken while a sender keeps sending holds every
// message acknowledged before the backup started, the users' tokens keep
// working (the JWT secret came along) and an image stays downloadable; a
// node started on the backup accepts new messages with seqs continuing
// densely, and a retried msg_id is still a duplicate.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "integration/harness/http_client.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"
#include "integration/harness/test_images.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kKey = "backup-test-key-0123456789-0123456789-01";
constexpr const char* kConv = "private_alice:bob";

TEST(BackupTest, ABackupUnderLoadRestoresEveryAcknowledgedMessage) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data", {"--api-key", kKey});
  ASSERT_TRUE(server);
  RawUsers users;
  const std::string alice_token = users.Token(*server, "alice");
  users.Token(*server, "bob");
  const HttpResponse upload = HttpRequest(server->ws_port(), "POST", "/api/media",
                                          {{"Authorization", "Bearer " + alice_token}},
                                          MakePng(64, 48));
  ASSERT_EQ(upload.status, 200) << upload.body;
  const std::string media_id(json::parse(upload.body).at("media_id").as_string());

  // The sender: every acknowledged (msg_id -> seq) with the time it was acked.
  std::mutex mu;
  std::map<std::string, std::int64_t> acked;
  std::map<std::string, std::chrono::steady_clock::time_point> acked_at;
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    RawTcpClient alice(server->tcp_port());
    if (!alice.Login(alice_token)) return;
    json::object image{{"msg_id", "img"},
                       {"to", "bob"},
                       {"payload", {{"content", ""}, {"msg_type", 2}, {"media", {{"media_id", media_id}}}}}};
    alice.Call(2, image);
    for (int i = 0; !stop; ++i) {
      const std::string msg_id = "m" + std::to_string(i);
      auto ack = alice.Call(2, {{"msg_id", msg_id}, {"to", "bob"}, {"payload", {{"content", msg_id}}}});
      if (CodeOf(ack) != 0) continue;
      std::lock_guard lock(mu);
      acked[msg_id] = ack->at("seq").as_int64();
      acked_at[msg_id] = std::chrono::steady_clock::now();
    }
  });
  std::this_thread::sleep_for(300ms);
  const auto backup_started = std::chrono::steady_clock::now();
  const std::string backup_dir = (dir.path() / "backup").string();
  const HttpResponse backup =
      HttpRequest(server->ws_port(), "POST", "/api/admin/backup",
                  {{"Authorization", "Bearer " + kKey}, {"Content-Type", "application/json"}},
                  json::serialize(json::object{{"dir", backup_dir}}));
  ASSERT_EQ(backup.status, 201) << backup.body;
  EXPECT_GE(json::parse(backup.body).at("media_files").as_int64(), 1);
  std::this_thread::sleep_for(200ms);  // the sender goes on: what follows is not in the backup
  stop = true;
  sender.join();
  EXPECT_EQ(HttpRequest(server->ws_port(), "POST", "/api/admin/backup",
                        {{"Authorization", "Bearer " + kKey}},
                        json::serialize(json::object{{"dir", backup_dir}}))
                .status,
            409)
      << "the directory exists now";
  EXPECT_EQ(HttpRequest(server->ws_port(), "POST", "/api/admin/backup",
                        {{"Authorization", "Bearer " + kKey}}, R"({"dir":"relative/dir"})")
                .status,
            400);
  server.reset();  // the original is gone; the backup is all there is

  auto restored = ServerProcess::Start(backup_dir, {"--api-key", kKey});
  ASSERT_TRUE(restored);
  RawTcpClient bob(restored->tcp_port());
  ASSERT_TRUE(bob.Login(users.Token(*restored, "bob"))) << "a token from before the backup";
  std::map<std::string, std::int64_t> restored_seqs;
  std::int64_t max_seq = 0;
  for (std::int64_t cursor = 0;;) {
    auto page = bob.Call(3, {{"conversation_id", kConv}, {"cursor_seq", cursor}, {"limit", 200}});
    ASSERT_EQ(CodeOf(page), 0);
    const json::array& messages = page->at("payload").as_array();
    if (messages.empty()) break;
    for (const json::value& m : messages) {
      const std::int64_t seq = m.at("seq").as_int64();
      EXPECT_EQ(seq, max_seq + 1) << "a hole in the restored timeline";
      max_seq = seq;
      restored_seqs[std::string(m.at("msg_id").as_string())] = seq;
    }
    cursor = max_seq;
  }
  std::size_t before_backup = 0;
  for (const auto& [msg_id, seq] : acked) {
    if (acked_at[msg_id] >= backup_started) continue;
    ++before_backup;
    ASSERT_TRUE(restored_seqs.contains(msg_id)) << msg_id << " was acked before the backup";
    EXPECT_EQ(restored_seqs[msg_id], seq) << msg_id;
  }
  EXPECT_GT(before_backup, 10u) << "the sender barely ran before the backup";

  // The image came along; new messages continue the seqs; an old msg_id is a duplicate.
  EXPECT_EQ(HttpRequest(restored->ws_port(), "GET", "/api/media/" + media_id,
                        {{"Authorization", "Bearer " + users.Token(*restored, "bob")}})
                .status,
            200);
  RawTcpClient alice(restored->tcp_port());
  ASSERT_TRUE(alice.Login(alice_token));
  auto next = alice.Call(2, {{"msg_id", "after-restore"}, {"to", "bob"}, {"payload", {{"content", "hi"}}}});
  ASSERT_EQ(CodeOf(next), 0);
  EXPECT_EQ(next->at("seq").as_int64(), max_seq + 1);
  auto retry = alice.Call(2, {{"msg_id", "m0"}, {"to", "bob"}, {"payload", {{"content", "m0"}}}});
  ASSERT_EQ(CodeOf(retry), 0);
  EXPECT_EQ(retry->at("seq").as_int64(), restored_seqs["m0"]);
}

}  // namespace
}  // namespace parley::testing
