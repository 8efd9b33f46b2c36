// TLS on the HTTP + WebSocket port (--tls-cert, --tls-key): the client
// library chats over wss:// (1:1 and group messages once and in order,
// messages larger than a TLS record, SYNC catch-up of a device that was
// offline); the HTTP API, the web app and media work over https (register,
// login, an upload and its download byte for byte); plain HTTP and a peer
// that never finishes its handshake are refused, counted and logged without
// harm to the others; SIGHUP swaps the certificate for new connections while
// an open wss:// connection goes on.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <random>
#include <string>

#include "client/http_auth.h"
#include "client/sync_client.h"
#include "integration/harness/device.h"
#include "integration/harness/http_client.h"
#include "integration/harness/loopback_socket.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/tls_peer.h"
#include "integration/harness/tls_server.h"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class WssTest : public TlsServerTest {
 protected:
  std::vector<std::string> ExtraArgs() override {
    return {"--media-dir", (dir_.path() / "media").string()};
  }

  std::unique_ptr<Device> Wss(const std::string& user) {
    return std::make_unique<Device>(server_->ws_port(), Register(user), TrustOurCa(),
                                    client::TransportKind::kWebSocket);
  }

  // The contents of a conversation's text messages from `user` (not the
  // group's system notices), in delivery order.
  static std::vector<std::string> From(const std::vector<protocol::Message>& messages,
                                       const std::string& user) {
    std::vector<std::string> contents;
    for (const protocol::Message& m : messages) {
      if (m.sender_id == user && m.msg_type == protocol::kMsgTypeText) {
        contents.push_back(m.content);
      }
    }
    return contents;
  }
};

TEST_F(WssTest, ChatOverWssOnceInOrderAndAnOfflineDeviceCatchesUp) {
  auto alice = Wss("alice");
  auto bob = Wss("bob");
  const std::string carol_token = Register("carol");
  ASSERT_FALSE(carol_token.empty());

  // Long enough that a HISTORY page spans several TLS records.
  const std::string padding(300, 'x');
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) {
    auto sent = alice->client().SendTo("bob", "to bob " + std::to_string(i) + padding);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(sent->seq, i + 1);
  }
  auto group = alice->client().GroupCreate("team", {"bob", "carol"}, "team");
  ASSERT_TRUE(group) << group.error().message;
  const std::vector<std::string> team{"team 0", "team 1", "team 2", "team 3", "team 4"};
  for (const std::string& text : team) {
    auto sent = alice->client().SendToConversation("group_team", text);
    ASSERT_TRUE(sent) << sent.error().message;
  }
  auto to_carol = alice->client().SendTo("carol", "while you were away");
  ASSERT_TRUE(to_carol) << to_carol.error().message;

  EXPECT_TRUE(WaitUntil([&] {
    const auto got = bob->Received();
    return got.contains("private_alice:bob") && got.contains("group_team") &&
           got.at("private_alice:bob").size() == static_cast<std::size_t>(kRounds) &&
           From(got.at("group_team"), "alice").size() == team.size();
  })) << bob->ReceivedCount();
  const auto at_bob = bob->Received();
  const auto& private_at_bob = at_bob.at("private_alice:bob");
  ASSERT_EQ(private_at_bob.size(), static_cast<std::size_t>(kRounds));
  EXPECT_TRUE(Device::IsDense(private_at_bob));
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(private_at_bob[i].content, "to bob " + std::to_string(i) + padding);
  }
  const auto& group_at_bob = at_bob.at("group_team");
  EXPECT_TRUE(Device::IsDense(group_at_bob, group_at_bob.front().seq));
  EXPECT_EQ(From(group_at_bob, "alice"), team);

  // One reply of ~10 KB and more over one record.
  auto history = bob->client().History("private_alice:bob", 0, kRounds);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(history->front().seq, kRounds);

  // carol was offline for all of it: her login's SYNC brings each message once.
  Device carol(server_->ws_port(), carol_token, TrustOurCa(), client::TransportKind::kWebSocket);
  EXPECT_TRUE(WaitUntil([&] {
    const auto got = carol.Received();
    return got.contains("private_alice:carol") && got.contains("group_team") &&
           From(got.at("group_team"), "alice").size() == team.size();
  })) << carol.ReceivedCount();
  const auto at_carol = carol.Received();
  const auto& group_at_carol = at_carol.at("group_team");
  EXPECT_TRUE(Device::IsDense(group_at_carol, group_at_carol.front().seq));
  EXPECT_EQ(From(group_at_carol, "alice"), team);
  ASSERT_EQ(at_carol.at("private_alice:carol").size(), 1u);
  EXPECT_EQ(at_carol.at("private_alice:carol")[0].content, "while you were away");
  EXPECT_EQ(HandshakeFailures(), 0);
  EXPECT_NE(server_->Log().find("open wss peer"), std::string::npos) << server_->Log();
}

TEST_F(WssTest, HttpsServesTheApiTheAppAndMediaByteForByte) {
  const std::uint16_t port = server_->ws_port();
  const std::string token = Register("alice");
  ASSERT_FALSE(token.empty());
  // Login through the client library, as the CLI does.
  auto login = client::HttpAuth(client::Endpoint{"localhost", port}, TrustOurCa(),
                                client::AuthAction::kLogin, "alice", "secret-pw", 5s);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_EQ(login->user_id, "alice");
  auto wrong = client::HttpAuth(client::Endpoint{"localhost", port}, TrustOurCa(),
                                client::AuthAction::kLogin, "alice", "not-it", 5s);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, base::Code::kUnauthenticated);

  EXPECT_EQ(HttpsRequest(port, ca_file(), "GET", "/healthz").status, 200);
  const HttpResponse app = HttpsRequest(port, ca_file(), "GET", "/");
  EXPECT_EQ(app.status, 200);
  EXPECT_NE(app.body.find("<html"), std::string::npos) << app.body.substr(0, 200);

  // 3 MiB: many TLS records each way, and several of the server's 64 KiB chunks.
  std::string bytes(3 * 1024 * 1024, '\0');
  std::mt19937 random(7);
  for (char& c : bytes) c = static_cast<char>(random());
  const HttpResponse up =
      HttpsRequest(port, ca_file(), "POST", "/api/media?name=blob.bin", BearerAuth(token), bytes);
  ASSERT_EQ(up.status, 200) << up.body;
  const json::value record = json::parse(up.body);
  const std::string id(record.at("media_id").as_string());
  const HttpResponse down =
      HttpsRequest(port, ca_file(), "GET", "/api/media/" + id, BearerAuth(token));
  ASSERT_EQ(down.status, 200);
  EXPECT_TRUE(down.body == bytes) << "the download differs from the upload";
  HttpHeaders ranged = BearerAuth(token);
  ranged.emplace_back("Range", "bytes=100000-100099");
  const HttpResponse part = HttpsRequest(port, ca_file(), "GET", "/api/media/" + id, ranged);
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.body == bytes.substr(100000, 100));
  EXPECT_EQ(HandshakeFailures(), 0);
}

TEST_F(WssTest, PlainHttpAndSilentPeersAreRefusedCountedAndLogged) {
  // A browser or curl speaking http:// to the https port: no answer, closed.
  const HttpResponse plain = HttpRequest(server_->ws_port(), "GET", "/healthz");
  EXPECT_EQ(plain.status, 0);
  RawWsClient plain_ws(server_->ws_port(), "/ws");
  EXPECT_FALSE(plain_ws.upgraded());
  EXPECT_TRUE(WaitUntil([&] { return HandshakeFailures() == 2; })) << server_->Log();
  EXPECT_NE(server_->Log().find("tls handshake failed"), std::string::npos) << server_->Log();

  // A peer that connects and says nothing: closed at the auth deadline (1 s).
  {
    LoopbackSocket silent(server_->ws_port());
    ASSERT_TRUE(silent.connected());
    EXPECT_TRUE(silent.WaitClosed(std::chrono::steady_clock::now() + 5s)) << server_->Log();
  }
  EXPECT_TRUE(WaitUntil([&] { return HandshakeFailures() == 3; })) << server_->Log();
  EXPECT_NE(server_->Log().find("tls handshake timeout"), std::string::npos) << server_->Log();

  // wss:// clients are served as before.
  auto alice = Wss("alice");
  auto bob = Wss("bob");
  auto sent = alice->client().SendTo("bob", "still here");
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_TRUE(bob->WaitForCount(1));
  EXPECT_EQ(bob->Received()["private_alice:bob"].at(0).content, "still here");
}

TEST_F(WssTest, SighupSwapsTheCertificateWhileAnOpenWssConnectionGoesOn) {
  auto alice = Wss("alice");
  ASSERT_EQ(PeerCertificateSubject(server_->ws_port(), ca_file()), "CN=server-a");

  SwapCertificate("server-b");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return PeerCertificateSubject(server_->ws_port(), ca_file()) == "CN=server-b";
  })) << server_->Log();

  // alice's connection, from before the reload, goes on; bob's is new.
  auto bob = Wss("bob");
  auto to_bob = alice->client().SendTo("bob", "over the old session");
  ASSERT_TRUE(to_bob) << to_bob.error().message;
  auto to_alice = bob->client().SendTo("alice", "over the new one");
  ASSERT_TRUE(to_alice) << to_alice.error().message;
  ASSERT_TRUE(bob->WaitForCount(1));
  ASSERT_TRUE(alice->WaitForCount(1));
  EXPECT_EQ(bob->Received()["private_alice:bob"].at(0).content, "over the old session");
  EXPECT_EQ(alice->Received()["private_alice:bob"].at(0).content, "over the new one");
  // Neither device reconnected: alice's one connection outlived the reload.
  EXPECT_EQ(server_->Log().find("closed wss"), std::string::npos) << server_->Log();
}

}  // namespace
}  // namespace parley::testing
