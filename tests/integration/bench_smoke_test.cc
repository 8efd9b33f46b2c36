// Smoke run of every parley-bench scenario at a tiny size against a real
// parleyd: each must exit 0 and write its JSON. Benchmarks assert nothing
// about speed here (bench/README.md: the figures live in bench/results/).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "integration/harness/server_process.h"
#include "tls/test_certificates.h"

#ifndef PARLEY_BENCH_PATH
#error "PARLEY_BENCH_PATH must name the parley-bench binary"
#endif

namespace parley::testing {
namespace {

class BenchSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path() / "data", ServerArgs());
    ASSERT_NE(server_, nullptr);
  }

  // Extra flags of the server; the TLS variant below adds its certificate.
  virtual std::vector<std::string> ServerArgs() { return {}; }

  // Runs one scenario; returns its JSON text (empty when it failed).
  std::string Run(const std::string& name, const std::string& args) {
    const std::string json = (dir_.path() / (name + ".json")).string();
    std::ostringstream cmd;
    cmd << PARLEY_BENCH_PATH << " --jwt-secret " << ServerProcess::kJwtSecret << " --tcp-port "
        << server_->tcp_port() << " --ws-port " << server_->ws_port() << " --threads 2 --json "
        << json << " " << args << " > " << dir_.path().string() << "/" << name << ".out 2>&1";
    const int status = std::system(cmd.str().c_str());
    EXPECT_EQ(status, 0) << cmd.str() << "\n" << Slurp(dir_.path() / (name + ".out"))
                         << "\nserver log:\n" << server_->Log();
    return Slurp(json);
  }

  static std::string Slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

constexpr const char* kShort = " --duration 0.5 --warmup 0.2";

TEST_F(BenchSmokeTest, Connect) {
  // Two load processes, to exercise the split that keeps under the fd cap.
  const std::string json = Run("connect", "--scenario connect --transport ws --connections 40 "
                                          "--max-per-process 20 --hold 0.2 --server-pid " +
                                              std::to_string(server_->pid()));
  EXPECT_NE(json.find("\"server_bytes_per_connection\""), std::string::npos) << json;
}

// The scenarios over TLS (--tls, verified against the test CA): TCP and wss://.
class BenchTlsSmokeTest : public BenchSmokeTest {
 protected:
  std::vector<std::string> ServerArgs() override {
    ca_ = MakeTestCa(dir_.path(), "bench-ca");
    const TestCertificate cert = MakeServerCertificate(dir_.path(), ca_, "bench-server");
    return {"--tls-cert", cert.cert.string(), "--tls-key", cert.key.string()};
  }
  std::string Tls() const { return " --tls --ca " + ca_.cert.string(); }

  TestCertificate ca_;
};

TEST_F(BenchTlsSmokeTest, ConnectAndChatOverTls) {
  const std::string connect =
      Run("connect_tls", "--scenario connect --connections 20 --hold 0.2 --server-pid " +
                             std::to_string(server_->pid()) + Tls());
  EXPECT_NE(connect.find(R"("transport":"tls")"), std::string::npos) << connect;
  EXPECT_NE(connect.find(R"("server_bytes_per_connection")"), std::string::npos) << connect;
  const std::string chat =
      Run("chat_tls", "--scenario chat --pairs 4" + std::string(kShort) + Tls());
  EXPECT_NE(chat.find(R"("acked_per_s")"), std::string::npos) << chat;
}

TEST_F(BenchTlsSmokeTest, ConnectAndChatOverWss) {
  const std::string connect =
      Run("connect_wss", "--scenario connect --transport ws --connections 20 --hold 0.2 "
                         "--server-pid " + std::to_string(server_->pid()) + Tls());
  EXPECT_NE(connect.find(R"("transport":"wss")"), std::string::npos) << connect;
  EXPECT_NE(connect.find(R"("server_bytes_per_connection")"), std::string::npos) << connect;
  // Registration goes over https too.
  const std::string chat =
      Run("chat_wss", "--scenario chat --transport ws --pairs 4" + std::string(kShort) + Tls());
  EXPECT_NE(chat.find(R"("acked_per_s")"), std::string::npos) << chat;
}

TEST_F(BenchSmokeTest, ChatTcpClosedLoop) {
  const std::string json = Run("chat", std::string("--scenario chat --pairs 4") + kShort);
  EXPECT_NE(json.find("\"acked_per_s\""), std::string::npos) << json;
}

// Reactions and images among the texts: every one of them acknowledged.
TEST_F(BenchSmokeTest, MixedChat) {
  const std::string json = Run("mixed", std::string("--scenario mixed --pairs 4") + kShort);
  EXPECT_NE(json.find(R"("events_pct":10)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("images_pct":1)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("errors":0)"), std::string::npos) << json;
}

TEST_F(BenchSmokeTest, ChatWsOpenLoop) {
  const std::string json =
      Run("chat_ws", std::string("--scenario chat --transport ws --pairs 4 --rate 200") + kShort);
  EXPECT_NE(json.find("\"delivery_latency\""), std::string::npos) << json;
}

TEST_F(BenchSmokeTest, Fanout) {
  const std::string json = Run("fanout", std::string("--scenario fanout --members 6 --window 2") + kShort);
  EXPECT_NE(json.find("\"deliveries_per_s\""), std::string::npos) << json;
}

TEST_F(BenchSmokeTest, Sync) {
  const std::string json = Run("sync", "--scenario sync --messages 700 --conversations 3");
  EXPECT_NE(json.find("\"messages_per_s\""), std::string::npos) << json;
}

TEST_F(BenchSmokeTest, Serial) {
  const std::string json = Run("serial", "--scenario serial --messages 20");
  EXPECT_NE(json.find("\"ack_latency\""), std::string::npos) << json;
}

}  // namespace
}  // namespace parley::testing
