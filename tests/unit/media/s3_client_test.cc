// The request signing of S3Client (libcurl's CURLOPT_AWS_SIGV4) checked
// against the example AWS publishes for Signature Version 4 ("GET Object"
// with a Range header, in the S3 API reference, "Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk"): the
// same request must carry the same Authorization header, byte for byte.
// s3rver, the tests' S3 server, does not verify V4 signatures, so this is
// the test that does.

#include "media/s3_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace parley::media {
namespace {

// A one-request HTTP server on 127.0.0.1: records the request's header and
// answers with `answer`.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  // Valid once the client's call returned.
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    (void)::send(fd, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    ::close(fd);
  }

  const std::string answer_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(S3ClientTest, SignsAGetExactlyAsTheAwsSignatureV4Example) {
  OneShotServer server(
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\n"
      "Content-Length: 10\r\nConnection: close\r\n\r\n0123456789");
  S3Options options;
  options.url = "http://examplebucket.s3.amazonaws.com";
  options.key_id = "AKIAIOSFODNN7EXAMPLE";
  options.secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  options.region = "us-east-1";
  options.amz_date_for_test = "20130524T000000Z";
  options.connect_to_for_test =
      "examplebucket.s3.amazonaws.com:80:127.0.0.1:" + std::to_string(server.port());
  auto client = S3Client::Make(options);
  ASSERT_TRUE(client) << client.error().message;

  char bytes[10] = {};
  auto got = (*client)->GetRange("test.txt", 0, bytes, sizeof bytes);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, 10u);
  EXPECT_EQ(std::string(bytes, 10), "0123456789");

  const std::string& request = server.request();
  EXPECT_EQ(request.rfind("GET /test.txt HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: examplebucket.s3.amazonaws.com\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nRange: bytes=0-9\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nx-amz-content-sha256: "
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"),
            std::string::npos);
  // The published Authorization header of that example.
  EXPECT_NE(request.find("\r\nAuthorization: AWS4-HMAC-SHA256 "
                         "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                         "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036b"
                         "db41\r\n"),
            std::string::npos)
      << request;
}

TEST(S3ClientTest, ABadUrlOrMissingCredentialsAreRefusedAtStart) {
  S3Options options;
  options.url = "ftp://host/bucket";
  options.key_id = "id";
  options.secret = "secret";
  auto ftp = S3Client::Make(options);
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code, base::Code::kBadRequest);
  options.url = "http://127.0.0.1:9000/bucket";
  options.secret.clear();
  auto anonymous = S3Client::Make(options);
  ASSERT_FALSE(anonymous);
  EXPECT_NE(anonymous.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(S3ClientTest, AnUnreachableServerIs503) {
  S3Options options;
  options.url = "http://127.0.0.1:1/bucket";  // nothing listens on port 1
  options.key_id = "id";
  options.secret = "secret";
  auto client = S3Client::Make(options);
  ASSERT_TRUE(client);
  auto size = (*client)->Size("0123456789abcdef0123456789abcdef");
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, base::Code::kUnavailable) << size.error().message;
}

}  // namespace
}  // namespace parley::media
