#pragma once
// A webhook receiver for tests: an HTTP/1.1 server on 127.0.0.1 (a thread,
// blocking sockets, one request per connection), plain or, given a
// certificate, https (OpenSSL), that records every POST it accepts and
// answers `status` (settable: 503 plays a receiver that is down). The test
// checks bodies and signatures itself.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace parley::testing {

class WebhookReceiver {
 public:
  struct Post {
    std::string target;
    std::string signature;  // X-Parley-Signature
    std::string body;
    int answered = 0;
  };

  // Plain http.
  WebhookReceiver();
  // https with this certificate chain and key (PEM files), named "localhost".
  WebhookReceiver(const std::string& cert_file, const std::string& key_file);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url() const {
    return tls_ != nullptr ? "https://localhost:" + std::to_string(port_) + "/hooks"
                           : "http://127.0.0.1:" + std::to_string(port_) + "/hooks";
  }
  // TLS handshakes that failed (a client that did not trust the certificate).
  int failed_handshakes() const { return failed_handshakes_; }
  void SetStatus(int status) { status_ = status; }
  // Every POST so far, those answered with an error included.
  std::vector<Post> Posts() const;
  // Waits until `done(Posts())` holds or `timeout` passes; returns whether it held.
  template <class Pred>
  bool WaitFor(Pred done, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(Posts())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done(Posts());
  }

 private:
  void Listen();
  void Serve();
  // Reads one request from the connection and answers it.
  void Handle(int fd, ssl_st* ssl);

  ssl_ctx_st* tls_ = nullptr;  // null: plain http
  std::atomic<int> failed_handshakes_{0};

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> status_{200};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<Post> posts_;
  std::thread thread_;
};

}  // namespace parley::testing
