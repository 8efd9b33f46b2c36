#pragma once
// A device for integration tests: a client::SyncClient that records every
// message its push handler receives (the client library hands each message
// once, in seq order per conversation), with waits on what has arrived.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/sync_client.h"

namespace parley::testing {

class Device {
 public:
  // Connects to 127.0.0.1:port over TCP or WebSocket and logs in with `token`.
  Device(std::uint16_t port, const std::string& token, bool websocket = false);
  // Over TLS (TCP, or WebSocket: wss://), trusting `tls.ca_file`.
  Device(std::uint16_t port, const std::string& token, client::TlsOptions tls,
         client::TransportKind transport = client::TransportKind::kTcp);

  client::SyncClient& client() { return *client_; }

  // Every message received so far, per conversation, in delivery order.
  std::map<std::string, std::vector<protocol::Message>> Received();
  std::size_t ReceivedCount();
  // Waits until at least `count` messages arrived in total.
  bool WaitForCount(std::size_t count, std::chrono::seconds timeout = std::chrono::seconds(30));

  // The messages of one conversation must be seqs first..last, each once, in order.
  static ::testing::AssertionResult IsDense(const std::vector<protocol::Message>& messages,
                                            std::int64_t first = 1);

 private:
  void Connect(client::ClientOptions options, const std::string& token);

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, std::vector<protocol::Message>> received_;
  std::size_t count_ = 0;
  std::unique_ptr<client::SyncClient> client_;
};

}  // namespace parley::testing
