#include "integration/harness/device.h"

namespace parley::testing {

Device::Device(std::uint16_t port, const std::string& token, bool websocket) {
  client::ClientOptions options;
  options.server = client::Endpoint{"127.0.0.1", port};
  options.transport = websocket ? client::TransportKind::kWebSocket : client::TransportKind::kTcp;
  Connect(std::move(options), token);
}

Device::Device(std::uint16_t port, const std::string& token, client::TlsOptions tls,
               client::TransportKind transport) {
  client::ClientOptions options;
  options.transport = transport;
  // The test certificates name "localhost" (and 127.0.0.1).
  options.server = client::Endpoint{"localhost", port};
  options.tls = std::move(tls);
  Connect(std::move(options), token);
}

void Device::Connect(client::ClientOptions options, const std::string& token) {
  options.backoff_max = std::chrono::milliseconds(500);
  client_ = std::make_unique<client::SyncClient>(options);
  client_->SetPushHandler([this](const protocol::Message& m) {
    std::lock_guard lock(mutex_);
    received_[m.conversation_id].push_back(m);
    ++count_;
    arrived_.notify_all();
  });
  auto login = client_->LoginWithToken(token);
  EXPECT_TRUE(login) << (login ? "" : login.error().message);
}

std::map<std::string, std::vector<protocol::Message>> Device::Received() {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t Device::ReceivedCount() {
  std::lock_guard lock(mutex_);
  return count_;
}

bool Device::WaitForCount(std::size_t count, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return count_ >= count; });
}

::testing::AssertionResult Device::IsDense(const std::vector<protocol::Message>& messages,
                                           std::int64_t first) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::int64_t want = first + static_cast<std::int64_t>(i);
    if (messages[i].seq != want) {
      return ::testing::AssertionFailure()
             << "position " << i << " has seq " << messages[i].seq << ", expected " << want
             << " (conversation " << messages[i].conversation_id << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace parley::testing
