// --log-format json (docs/operations.md "Logs"), on both backends: every line
// parleyd writes to stderr, from start to stop, is one JSON object with ts,
// level and msg, and the connection event lines carry the connection id,
// the user id and (cluster mode) the gateway id as keys of their own.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "integration/harness/backend.h"
#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/raw_ws_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;

// Every line of `log` as a JSON object; a line that is not one fails the test.
std::vector<json::object> ParseLines(const std::string& log) {
  std::vector<json::object> lines;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    EXPECT_TRUE(!ec && value.is_object()) << "not a JSON object: " << line;
    if (!ec && value.is_object()) lines.push_back(std::move(value.as_object()));
  }
  return lines;
}

std::string StringOf(const json::object& line, std::string_view key) {
  const json::value* value = line.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

// The connection event line of `transport` and `event` ("open", "closed").
const json::object* FindEvent(const std::vector<json::object>& lines, std::string_view transport,
                              std::string_view event) {
  for (const json::object& line : lines) {
    if (StringOf(line, "transport") == transport && StringOf(line, "event") == event) return &line;
  }
  return nullptr;
}

TEST(LogFormatTest, EveryLineIsJsonAndConnectionEventsCarryTheirIds) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() / "data", {"--log-format", "json"});
  ASSERT_TRUE(server);
  const std::string token = RegisterUser(server->ws_port(), "alice");
  ASSERT_FALSE(token.empty()) << server->Log();

  // In and out over TCP (the user is known at the close only) and over
  // WebSocket with the token in the upgrade (known at the open already).
  {
    RawTcpClient tcp(server->tcp_port());
    ASSERT_TRUE(tcp.Login(token)) << server->Log();
  }
  {
    RawWsClient ws(server->ws_port(), "/ws?token=" + token);
    ASSERT_TRUE(ws.upgraded()) << ws.response_head();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         (server->Log().find(R"("event":"closed","transport":"tcp")") == std::string::npos ||
          server->Log().find(R"("event":"closed","transport":"ws")") == std::string::npos)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(server->Terminate(), 0);

  const std::string log = server->Log();
  SCOPED_TRACE(log);
  const std::vector<json::object> lines = ParseLines(log);
  ASSERT_GE(lines.size(), 6u);  // start, 4 connection events, shutdown
  const std::regex ts(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const std::string gateway = ClusterBackend() ? "gw1" : "";
  for (const json::object& line : lines) {
    EXPECT_TRUE(std::regex_match(StringOf(line, "ts"), ts)) << json::serialize(line);
    EXPECT_FALSE(StringOf(line, "level").empty()) << json::serialize(line);
    EXPECT_FALSE(StringOf(line, "msg").empty()) << json::serialize(line);
    EXPECT_EQ(StringOf(line, "gateway"), gateway) << json::serialize(line);
  }

  const json::object* tcp_open = FindEvent(lines, "tcp", "open");
  const json::object* tcp_closed = FindEvent(lines, "tcp", "closed");
  const json::object* ws_open = FindEvent(lines, "ws", "open");
  const json::object* ws_closed = FindEvent(lines, "ws", "closed");
  ASSERT_TRUE(tcp_open && tcp_closed && ws_open && ws_closed);
  // One connection id per connection, a number, on both of its lines.
  ASSERT_TRUE(tcp_open->at("conn").is_int64() || tcp_open->at("conn").is_uint64());
  EXPECT_EQ(tcp_open->at("conn"), tcp_closed->at("conn"));
  EXPECT_EQ(ws_open->at("conn"), ws_closed->at("conn"));
  EXPECT_NE(tcp_open->at("conn"), ws_open->at("conn"));
  EXPECT_FALSE(tcp_open->contains("user"));  // before LOGIN
  EXPECT_EQ(StringOf(*tcp_closed, "user"), "alice");
  EXPECT_EQ(StringOf(*ws_open, "user"), "alice");
  EXPECT_EQ(StringOf(*ws_closed, "user"), "alice");
  EXPECT_TRUE(StringOf(*tcp_open, "peer").starts_with("127.0.0.1:"));
  EXPECT_FALSE(StringOf(*tcp_closed, "reason").empty());
  // The message is the text log's line.
  EXPECT_TRUE(StringOf(*tcp_closed, "msg").starts_with("conn ")) << StringOf(*tcp_closed, "msg");
}

}  // namespace
}  // namespace parley::testing
