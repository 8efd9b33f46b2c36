// TLS on the TCP gateway (--tls-cert, --tls-key): the client library chats
// over it (every message once, in order, replies larger than a TLS record);
// a plain-text client is refused without harm to the others, as is a peer
// that never completes its handshake within the auth deadline, and each is
// counted; a client that trusts another CA refuses the server; SIGHUP swaps
// the certificate for new connections while open ones go on, and a bad file
// on reload keeps the current one.

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client/sync_client.h"
#include "integration/harness/device.h"
#include "integration/harness/loopback_socket.h"
#include "integration/harness/server_process.h"
#include "integration/harness/tls_server.h"
#include "integration/harness/tls_peer.h"
#include "protocol/frame_codec.h"
#include "tls/test_certificates.h"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using TlsTest = TlsServerTest;

TEST_F(TlsTest, ChatOverTlsBothWaysEveryMessageOnceInOrder) {
  Device alice(server_->tcp_port(), Register("alice"), TrustOurCa());
  Device bob(server_->tcp_port(), Register("bob"), TrustOurCa());
  // Long enough that a HISTORY page below spans several TLS records.
  const std::string padding(300, 'x');
  constexpr int kRounds = 50;
  for (int i = 0; i < kRounds; ++i) {
    auto a = alice.client().SendTo("bob", "from alice " + std::to_string(i) + padding);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->seq, 2 * i + 1);
    auto b = bob.client().SendTo("alice", "from bob " + std::to_string(i) + padding);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->seq, 2 * i + 2);
  }
  ASSERT_TRUE(alice.WaitForCount(kRounds));
  ASSERT_TRUE(bob.WaitForCount(kRounds));
  auto at_bob = bob.Received()["private_alice:bob"];
  auto at_alice = alice.Received()["private_alice:bob"];
  ASSERT_EQ(at_bob.size(), static_cast<std::size_t>(kRounds));
  ASSERT_EQ(at_alice.size(), static_cast<std::size_t>(kRounds));
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(at_bob[i].seq, 2 * i + 1);
    EXPECT_EQ(at_bob[i].content, "from alice " + std::to_string(i) + padding);
    EXPECT_EQ(at_alice[i].seq, 2 * i + 2);
    EXPECT_EQ(at_alice[i].content, "from bob " + std::to_string(i) + padding);
  }
  // One reply of ~40 KB: several records in, decoded whole.
  auto history = alice.client().History("private_alice:bob", 0, 2 * kRounds);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), static_cast<std::size_t>(2 * kRounds));
  EXPECT_EQ(history->front().seq, 2 * kRounds);
  EXPECT_EQ(history->back().seq, 1);
  EXPECT_EQ(HandshakeFailures(), 0);
}

TEST_F(TlsTest, PlainTextClientIsRefusedCountedAndTheServerGoesOn) {
  {
    LoopbackSocket plain(server_->tcp_port());
    ASSERT_TRUE(plain.connected());
    ASSERT_TRUE(plain.SendAll(protocol::EncodeFrame(0, R"({"cmd":0,"req_id":"plain"})")));
    EXPECT_TRUE(plain.WaitClosed(std::chrono::steady_clock::now() + 5s));
  }
  EXPECT_TRUE(WaitUntil([&] { return HandshakeFailures() == 1; })) << server_->Log();
  EXPECT_NE(server_->Log().find("tls handshake failed"), std::string::npos) << server_->Log();

  // TLS clients are served as before.
  Device alice(server_->tcp_port(), Register("alice"), TrustOurCa());
  Device bob(server_->tcp_port(), Register("bob"), TrustOurCa());
  auto sent = alice.client().SendTo("bob", "still here");
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_TRUE(bob.WaitForCount(1));
  EXPECT_EQ(bob.Received()["private_alice:bob"].at(0).content, "still here");
}

TEST_F(TlsTest, HandshakeNotCompletedWithinTheAuthDeadlineIsClosed) {
  LoopbackSocket silent(server_->tcp_port());
  ASSERT_TRUE(silent.connected());
  // --auth-timeout 1s, plus the deadline sweeper's period.
  EXPECT_TRUE(silent.WaitClosed(std::chrono::steady_clock::now() + 8s)) << server_->Log();
  EXPECT_TRUE(WaitUntil([&] { return HandshakeFailures() == 1; })) << server_->Log();
  EXPECT_NE(server_->Log().find("tls handshake timeout"), std::string::npos);
}

TEST_F(TlsTest, ClientThatTrustsAnotherCaRefusesTheServer) {
  const TestCertificate other_ca = MakeTestCa(dir_.path(), "other-ca");
  client::ClientOptions options;
  options.server = client::Endpoint{"localhost", server_->tcp_port()};
  options.tls = client::TlsOptions{other_ca.cert.string()};
  client::SyncClient client(options);
  auto login = client.LoginWithToken(Register("mallory"));
  ASSERT_FALSE(login);
  EXPECT_NE(login.error().message.find("certificate verify failed"), std::string::npos)
      << login.error().message;
  EXPECT_EQ(PeerCertificateSubject(server_->tcp_port(), other_ca.cert.string()).rfind("error:", 0),
            0u);
  // Our CA: the same server is fine.
  EXPECT_EQ(PeerCertificateSubject(server_->tcp_port(), ca_.cert.string()), "CN=server-a");
}

TEST_F(TlsTest, SighupSwapsTheCertificateForNewConnectionsAndKeepsOpenOnes) {
  Device alice(server_->tcp_port(), Register("alice"), TrustOurCa());
  ASSERT_EQ(PeerCertificateSubject(server_->tcp_port(), ca_.cert.string()), "CN=server-a");

  SwapCertificate("server-b");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return PeerCertificateSubject(server_->tcp_port(), ca_.cert.string()) == "CN=server-b";
  })) << server_->Log();

  // alice's connection, from before the reload, goes on; bob is new.
  Device bob(server_->tcp_port(), Register("bob"), TrustOurCa());
  auto to_bob = alice.client().SendTo("bob", "over the old session");
  ASSERT_TRUE(to_bob) << to_bob.error().message;
  auto to_alice = bob.client().SendTo("alice", "over the new one");
  ASSERT_TRUE(to_alice) << to_alice.error().message;
  ASSERT_TRUE(bob.WaitForCount(1));
  ASSERT_TRUE(alice.WaitForCount(1));
  EXPECT_EQ(bob.Received()["private_alice:bob"].at(0).content, "over the old session");
  EXPECT_EQ(alice.Received()["private_alice:bob"].at(0).content, "over the new one");

  // A broken file: logged, and the server keeps the certificate it has.
  std::ofstream(cert_, std::ios::trunc) << "not a certificate\n";
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return server_->Log().find("cannot reload TLS certificate") != std::string::npos;
  })) << server_->Log();
  EXPECT_EQ(PeerCertificateSubject(server_->tcp_port(), ca_.cert.string()), "CN=server-b");
  auto still = alice.client().SendTo("bob", "after the failed reload");
  ASSERT_TRUE(still) << still.error().message;
  EXPECT_TRUE(bob.WaitForCount(2));
}

TEST_F(TlsTest, ShutdownClosesTlsConnectionsCleanlyAndAtOnce) {
  Device alice(server_->tcp_port(), Register("alice"), TrustOurCa());
  auto sent = alice.client().SendTo("alice", "note to self");
  ASSERT_TRUE(sent) << sent.error().message;
  // close_notify, FIN, the client's end: well before the 10 s close timeout
  // that a stuck close would wait for.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Terminate(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(server_->Log().find("closed tls peer"), std::string::npos) << server_->Log();
  EXPECT_EQ(server_->Log().find("close timeout"), std::string::npos) << server_->Log();
}

TEST(TlsStartupTest, BadCertificateFileStopsTheServerWithAClearError) {
  TempDir dir;
  const fs::path missing = dir.path() / "missing.pem";
  // Start fails (the harness reports it with the log), and the log says why.
  std::unique_ptr<ServerProcess> server;
  EXPECT_NONFATAL_FAILURE(
      server = ServerProcess::Start(
          dir.path() / "data", {"--tls-cert", missing.string(), "--tls-key", missing.string()}),
      "cannot start: TLS certificate " + missing.string() + ": No such file or directory");
  EXPECT_FALSE(server);
}

}  // namespace
}  // namespace parley::testing
