#include "integration/harness/raw_tcp_client.h"

#include <jwt.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <ctime>

#include "integration/harness/server_process.h"

namespace parley::testing {
namespace json = boost::json;

bool RawTcpClient::SendBytes(std::string_view bytes) { return socket_.SendAll(bytes); }

bool RawTcpClient::SendFrame(std::uint16_t cmd, std::string_view body) {
  return SendBytes(protocol::EncodeFrame(cmd, body));
}

std::optional<json::object> RawTcpClient::Read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto next = decoder_.Next();
    if (!next) return std::nullopt;
    if (*next) {
      boost::system::error_code ec;
      json::value v = json::parse((*next)->body, ec);
      if (ec || !v.is_object()) return std::nullopt;
      return v.as_object();
    }
    const std::size_t n = socket_.ReceiveSome(decoder_.WritableSpace(64 * 1024), deadline);
    if (n == 0) return std::nullopt;
    decoder_.Commit(n);
  }
}

std::optional<json::object> RawTcpClient::Call(std::uint16_t cmd, const json::object& body,
                                               std::chrono::milliseconds timeout) {
  if (!SendFrame(cmd, json::serialize(body))) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto packet = Read(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!packet) return std::nullopt;
    // Events (an "event" field: ack notices, receipts) share their cmd with
    // replies but are never one.
    if (packet->at("cmd").as_int64() == cmd && !packet->contains("event")) return packet;
  }
  return std::nullopt;
}

bool RawTcpClient::WaitClosed(std::chrono::milliseconds timeout) {
  return socket_.WaitClosed(std::chrono::steady_clock::now() + timeout);
}

bool RawTcpClient::Login(const std::string& token) {
  auto reply = Call(1, {{"token", token}});
  return reply && reply->at("code").as_int64() == 0;
}

std::int64_t CodeOf(const std::optional<json::object>& reply) {
  return reply ? reply->at("code").as_int64() : -1;
}

std::string TestToken(const std::string& user_id, std::int64_t ttl_seconds) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const long now = static_cast<long>(std::time(nullptr));
  jwt_add_grant(jwt, "sub", user_id.c_str());
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + static_cast<long>(ttl_seconds));
  const std::string secret = ServerProcess::kJwtSecret;
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

}  // namespace parley::testing
