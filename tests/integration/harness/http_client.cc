#include "integration/harness/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace parley::testing {
namespace {

int Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends everything it can; stops at the first error (the server may refuse
// and close early).
void SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string ReadAll(int fd) {
  std::string response;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  return response;
}

}  // namespace

HttpResponse ParseHttpResponse(const std::string& response) {
  HttpResponse result;
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return result;
  result.status = std::stoi(response.substr(9, 3));
  const std::size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return result;
  std::size_t line = response.find("\r\n") + 2;
  while (line < end) {
    const std::size_t next = response.find("\r\n", line);
    const std::string header = response.substr(line, next - line);
    const std::size_t colon = header.find(':');
    if (colon != std::string::npos) {
      std::string name = header.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::size_t value = colon + 1;
      while (value < header.size() && header[value] == ' ') ++value;
      result.headers[name] = header.substr(value);
    }
    line = next + 2;
  }
  result.body = response.substr(end + 4);
  return result;
}

std::string HttpRequestHead(const std::string& method, const std::string& target,
                            const HttpHeaders& headers, const std::string& body) {
  std::string head =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  head += "\r\n";
  return head;
}

HttpResponse HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                         const HttpHeaders& headers, const std::string& body) {
  return HttpRawExchange(port, HttpRequestHead(method, target, headers, body), body);
}

HttpResponse HttpRawExchange(std::uint16_t port, const std::string& head, const std::string& body) {
  const int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, head);
  SendAll(fd, body);
  HttpResponse response = ParseHttpResponse(ReadAll(fd));
  ::close(fd);
  return response;
}

}  // namespace parley::testing
