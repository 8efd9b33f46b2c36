#pragma once
// Test fixture: a FakeServer and SyncClients logged in to it with short
// timeouts and backoff.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "client/sync_client.h"
#include "delivery_log.h"
#include "fake_server.h"

namespace parley::client::testing {

class ClientFixture : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions o;
    o.server = Endpoint{"127.0.0.1", server_.port()};
    o.request_timeout = std::chrono::seconds(2);
    o.sync_timeout = std::chrono::seconds(30);
    o.backoff_initial = std::chrono::milliseconds(10);
    o.backoff_max = std::chrono::milliseconds(50);
    return o;
  }

  // Logs `user` in; `log` (optional) records its deliveries.
  std::unique_ptr<SyncClient> LoggedIn(const std::string& user, DeliveryLog* log = nullptr,
                                       const std::function<void(ClientOptions&)>& tweak = {}) {
    ClientOptions o = Options();
    if (tweak) tweak(o);
    auto c = std::make_unique<SyncClient>(o);
    if (log != nullptr) c->SetPushHandler([log](const protocol::Message& m) { log->Add(m); });
    auto login = c->Login(user, "pw");
    EXPECT_TRUE(login) << login.error().message;
    return c;
  }

  FakeServer server_;
};

}  // namespace parley::client::testing
