#pragma once
// Users of one test server, registered on first use, each able to open any
// number of logged-in raw TCP devices (RawTcpClient).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "integration/harness/http_post.h"
#include "integration/harness/raw_tcp_client.h"
#include "integration/harness/server_process.h"

namespace parley::testing {

class RawUsers {
 public:
  // A new logged-in device of `user` on `server`.
  std::unique_ptr<RawTcpClient> Device(const ServerProcess& server, const std::string& user) {
    auto device = std::make_unique<RawTcpClient>(server.tcp_port());
    EXPECT_TRUE(device->Login(Token(server, user))) << user;
    return device;
  }
  const std::string& Token(const ServerProcess& server, const std::string& user) {
    std::string& token = tokens_[user];
    if (token.empty()) token = RegisterUser(server.ws_port(), user);
    return token;
  }

 private:
  std::map<std::string, std::string> tokens_;
};

}  // namespace parley::testing
