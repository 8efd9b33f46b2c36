// Webhooks against a real parleyd and a receiver in the test
// (docs/protocol.md "Webhooks"): one signed message.offline per message with
// offline recipients, naming exactly them; nothing for recipients online;
// every event arrives after the receiver was down, and after a kill -9 with
// events pending; an https receiver is checked against --webhook-ca; in
// cluster mode three gateways deliver each event.

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/raw_users.h"
#include "integration/harness/server_process.h"
#include "integration/harness/webhook_receiver.h"
#include "tls/test_certificates.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kSecret = "webhook-test-secret";

std::string Hex(const unsigned char* bytes, unsigned int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

// Checks "t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>", independently of
// the server's code, and that t is recent.
bool SignatureValid(const WebhookReceiver::Post& post) {
  const std::string& sig = post.signature;
  if (!sig.starts_with("t=")) return false;
  const std::size_t comma = sig.find(",v1=");
  if (comma == std::string::npos) return false;
  const std::string t = sig.substr(2, comma - 2);
  const std::string text = t + "." + post.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::string(kSecret).size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &len);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return sig.substr(comma + 4) == Hex(mac, len) && std::abs(now - std::stoll(t)) < 120;
}

struct Seen {
  std::multiset<std::string> ids;                       // every event id received (2xx answered)
  std::map<std::string, std::vector<std::string>> recipients;  // id -> recipients
  std::map<std::string, std::string> content;           // id -> message content
};

Seen Accepted(const std::vector<WebhookReceiver::Post>& posts) {
  Seen seen;
  for (const auto& post : posts) {
    if (post.answered != 200) continue;
    EXPECT_TRUE(SignatureValid(post)) << post.signature;
    EXPECT_EQ(post.target, "/hooks");
    const json::value body = json::parse(post.body);
    for (const json::value& e : body.at("events").as_array()) {
      const std::string id(e.at("id").as_string());
      EXPECT_EQ(e.at("type").as_string(), "message.offline");
      seen.ids.insert(id);
      std::vector<std::string> to;
      for (const json::value& r : e.at("recipients").as_array()) to.emplace_back(r.as_string());
      seen.recipients[id] = to;
      seen.content[id] = std::string(e.at("message").at("content").as_string());
    }
  }
  return seen;
}

std::size_t DistinctIds(const std::vector<WebhookReceiver::Post>& posts) {
  const Seen seen = Accepted(posts);
  return std::set<std::string>(seen.ids.begin(), seen.ids.end()).size();
}

class WebhookTest : public ::testing::Test {
 protected:
  std::vector<std::string> Flags() const {
    return {"--webhook-url", receiver_.Url(), "--webhook-secret", kSecret};
  }
  void Start() {
    server_ = ServerProcess::Start(dir_.path() / "data", Flags());
    ASSERT_TRUE(server_);
  }
  std::unique_ptr<RawTcpClient> Device(const std::string& user) {
    return users_.Device(*server_, user);
  }
  static int Send(RawTcpClient& device, const std::string& conv, const std::string& msg_id,
                  const std::string& content) {
    return CodeOf(device.Call(2, {{"msg_id", msg_id},
                                  {"conversation_id", conv},
                                  {"payload", {{"content", content}}}}));
  }

  WebhookReceiver receiver_;
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  RawUsers users_;
};

TEST_F(WebhookTest, EachMessageWithOfflineRecipientsIsOneSignedEventNamingThem) {
  Start();
  auto alice = Device("alice");
  auto carol = Device("carol");
  users_.Token(*server_, "bob");  // registered, never online
  ASSERT_EQ(CodeOf(alice->Call(7, {{"op", "create"}, {"group_id", "g"}, {"name", "g"},
                                   {"members", {"bob", "carol"}}})),
            0);
  ASSERT_EQ(Send(*alice, "private_alice:bob", "a1", "to bob"), 0);
  ASSERT_EQ(Send(*alice, "group_g", "a2", "to the group"), 0);
  ASSERT_EQ(Send(*alice, "private_alice:carol", "a3", "to carol, online"), 0);
  ASSERT_EQ(Send(*carol, "private_alice:carol", "c1", "to alice, online"), 0);
  ASSERT_TRUE(receiver_.WaitFor([](const auto& posts) { return DistinctIds(posts) >= 2; }, 10s));
  std::this_thread::sleep_for(1s);  // nothing more comes
  const Seen seen = Accepted(receiver_.Posts());
  EXPECT_EQ(seen.ids, (std::multiset<std::string>{"private_alice:bob/1/offline",
                                                   "group_g/2/offline"}));
  EXPECT_EQ(seen.recipients.at("private_alice:bob/1/offline"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(seen.recipients.at("group_g/2/offline"), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(seen.content.at("group_g/2/offline"), "to the group");

  // Messages whose recipients were all online are done with: after a
  // restart (everybody offline now) they are not announced late.
  alice.reset();
  carol.reset();
  ASSERT_EQ(server_->Terminate(), 0);
  server_.reset();
  Start();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(Accepted(receiver_.Posts()).ids.size(), 2u);
}

TEST_F(WebhookTest, EveryEventArrivesAfterTheReceiverWasDownAndAfterAKill9) {
  receiver_.SetStatus(503);
  Start();
  auto alice = Device("alice");
  users_.Token(*server_, "bob");
  for (int i = 1; i <= 20; ++i) {
    ASSERT_EQ(Send(*alice, "private_alice:bob", "m" + std::to_string(i), "n" + std::to_string(i)),
              0);
  }
  ASSERT_TRUE(receiver_.WaitFor([](const auto& posts) { return !posts.empty(); }, 10s));
  server_->Kill9();  // with every event still pending
  server_.reset();
  Start();
  for (int i = 21; i <= 30; ++i) {
    ASSERT_EQ(Send(*Device("alice"), "private_alice:bob", "m" + std::to_string(i),
                   "n" + std::to_string(i)),
              0);
  }
  std::this_thread::sleep_for(1500ms);  // a few refused attempts
  receiver_.SetStatus(200);
  ASSERT_TRUE(receiver_.WaitFor([](const auto& posts) { return DistinctIds(posts) >= 30; }, 30s))
      << DistinctIds(receiver_.Posts());
  const Seen seen = Accepted(receiver_.Posts());
  std::set<std::string> expected;
  for (int seq = 1; seq <= 30; ++seq) {
    expected.insert("private_alice:bob/" + std::to_string(seq) + "/offline");
  }
  EXPECT_EQ(std::set<std::string>(seen.ids.begin(), seen.ids.end()), expected);
}

// An https receiver: reached over TLS with the CA given by --webhook-ca; a
// receiver whose certificate chains to no trusted CA gets no event (each
// attempt fails at the handshake and is retried).
TEST(WebhookTlsTest, AnHttpsReceiverGetsSignedEventsAnUntrustedOneNone) {
  if (ClusterBackend()) GTEST_SKIP() << "the transport does not depend on the backend";
  TempDir dir;
  const TestCertificate ca = MakeTestCa(dir.path(), "hooks-ca");
  const TestCertificate cert = MakeServerCertificate(dir.path(), ca, "hooks");
  const TestCertificate rogue_ca = MakeTestCa(dir.path(), "rogue-ca");
  const TestCertificate rogue = MakeServerCertificate(dir.path(), rogue_ca, "rogue");
  WebhookReceiver trusted(cert.cert.string(), cert.key.string());
  WebhookReceiver untrusted(rogue.cert.string(), rogue.key.string());

  auto server = ServerProcess::Start(
      dir.path() / "a", {"--webhook-url", trusted.Url(), "--webhook-secret", kSecret,
                         "--webhook-ca", ca.cert.string()});
  ASSERT_TRUE(server);
  auto refused = ServerProcess::Start(
      dir.path() / "b", {"--webhook-url", untrusted.Url(), "--webhook-secret", kSecret,
                         "--webhook-ca", ca.cert.string()});
  ASSERT_TRUE(refused);
  for (ServerProcess* s : {server.get(), refused.get()}) {
    RawUsers users;
    users.Token(*s, "bob");  // registered, never online
    auto alice = users.Device(*s, "alice");
    ASSERT_EQ(CodeOf(alice->Call(2, {{"msg_id", "m1"},
                                      {"to", "bob"},
                                      {"payload", {{"content", "over tls"}}}})),
              0);
  }
  ASSERT_TRUE(trusted.WaitFor([](const auto& posts) { return DistinctIds(posts) == 1; }, 10s));
  const Seen seen = Accepted(trusted.Posts());
  ASSERT_EQ(seen.content.size(), 1u);
  EXPECT_EQ(seen.content.begin()->second, "over tls");
  EXPECT_EQ(seen.recipients.begin()->second, std::vector<std::string>{"bob"});

  ASSERT_TRUE(untrusted.WaitFor([&](const auto&) { return untrusted.failed_handshakes() >= 2; }, 10s))
      << "parleyd did not retry the untrusted receiver";
  EXPECT_TRUE(untrusted.Posts().empty()) << "an event went to a receiver parleyd cannot trust";
}

// Cluster mode, three gateways sharing one outbox: each event is delivered,
// and by one gateway (claims are exclusive; a repeat would need a gateway
// to die mid-POST).
TEST(WebhookClusterTest, ThreeGatewaysDeliverEachEventOnce) {
  if (!ClusterBackend()) GTEST_SKIP() << "cluster variant only (this one starts its own gateways)";
  WebhookReceiver receiver;
  TempDir dir;
  std::vector<std::unique_ptr<ServerProcess>> gateways;
  for (const char* id : {"gw1", "gw2", "gw3"}) {
    gateways.push_back(ServerProcess::StartGateway(
        dir.path(), id, {"--webhook-url", receiver.Url(), "--webhook-secret", kSecret}));
    ASSERT_TRUE(gateways.back());
  }
  RawUsers users;
  users.Token(*gateways[0], "bob");
  std::vector<std::unique_ptr<RawTcpClient>> alices;
  for (auto& gateway : gateways) alices.push_back(users.Device(*gateway, "alice"));
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(CodeOf(alices[i % 3]->Call(2, {{"msg_id", "m" + std::to_string(i)},
                                              {"conversation_id", "private_alice:bob"},
                                              {"payload", {{"content", "hi"}}}})),
              0);
  }
  ASSERT_TRUE(receiver.WaitFor([](const auto& posts) { return DistinctIds(posts) >= 60; }, 30s))
      << DistinctIds(receiver.Posts());
  std::this_thread::sleep_for(1s);
  const Seen seen = Accepted(receiver.Posts());
  EXPECT_EQ(seen.ids.size(), 60u) << "an event delivered twice";
}

}  // namespace
}  // namespace parley::testing
