#include "integration/harness/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace parley::testing {
namespace {

constexpr std::size_t kMaxRequest = 16 * 1024 * 1024;

// The value of header `name` (case-insensitive) in `head`, or "".
std::string Header(const std::string& head, std::string name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  std::size_t start = at + 3 + name.size();
  while (start < head.size() && head[start] == ' ') ++start;
  const std::size_t end = head.find("\r\n", start);
  return head.substr(start, end - start);
}

}  // namespace

WebhookReceiver::WebhookReceiver() { Listen(); }

WebhookReceiver::WebhookReceiver(const std::string& cert_file, const std::string& key_file) {
  tls_ = SSL_CTX_new(TLS_server_method());
  if (tls_ == nullptr ||
      SSL_CTX_use_certificate_chain_file(tls_, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(tls_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("webhook receiver: cannot load " + cert_file);
  }
  Listen();
}

void WebhookReceiver::Listen() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("webhook receiver: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(tls_);
}

std::vector<WebhookReceiver::Post> WebhookReceiver::Posts() const {
  std::lock_guard lock(mu_);
  return posts_;
}

void WebhookReceiver::Serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      timeval five_seconds{5, 0};  // a client that stalls the handshake cannot hang us
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        ++failed_handshakes_;
        SSL_free(ssl);
        ::close(fd);
        continue;
      }
    }
    Handle(fd, ssl);
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    ::close(fd);
  }
}

void WebhookReceiver::Handle(int fd, SSL* ssl) {
  std::string request;
  std::size_t head_end = std::string::npos;
  std::size_t need = 0;
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && request.size() < kMaxRequest) {
    pollfd p{fd, POLLIN, 0};
    const bool buffered = ssl != nullptr && SSL_pending(ssl) > 0;
    if (!buffered && ::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ssl != nullptr ? SSL_read(ssl, buffer, sizeof buffer)
                                     : ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<std::size_t>(n));
    if (head_end == std::string::npos) {
      head_end = request.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      need = head_end + 4 + std::stoul("0" + Header(request.substr(0, head_end + 2),
                                                    "content-length"));
    }
    if (request.size() >= need) break;
  }
  if (head_end == std::string::npos || request.size() < need) return;
  Post post;
  const std::string head = request.substr(0, head_end + 2);
  const std::size_t space = head.find(' ');
  post.target = head.substr(space + 1, head.find(' ', space + 1) - space - 1);
  post.signature = Header(head, "x-parley-signature");
  post.body = request.substr(head_end + 4, need - head_end - 4);
  post.answered = status_;
  const std::string reason = post.answered == 200 ? "OK" : "Service Unavailable";
  const std::string response = "HTTP/1.1 " + std::to_string(post.answered) + " " + reason +
                               "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  {
    std::lock_guard lock(mu_);
    posts_.push_back(std::move(post));
  }
  if (ssl != nullptr) {
    SSL_write(ssl, response.data(), static_cast<int>(response.size()));
  } else {
    ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  }
}

}  // namespace parley::testing
