// HttpStream's deadlines (http_stream.h), on a plain loopback connection:
// a read pending at the deadline fails with timed_out, as does one started
// after it passed; a new expires_after starts over; cancel() is not a
// timeout.

#include "net/http_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>

namespace parley::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

class HttpStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    tcp::socket accepted(io_);
    acceptor.accept(accepted);
    stream_.emplace(std::move(accepted), nullptr);
  }

  // Starts a read and runs the io_context until it completes (or 5 s).
  boost::system::error_code Read() {
    std::optional<boost::system::error_code> result;
    stream_->async_read_some(asio::buffer(buffer_),
                             [&](boost::system::error_code ec, std::size_t) { result = ec; });
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!result && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    return result.value_or(asio::error::would_block);
  }

  asio::io_context io_;
  tcp::socket client_{io_};
  std::optional<HttpStream> stream_;
  char buffer_[64];
};

TEST_F(HttpStreamTest, PendingReadFailsWithTimedOutAtTheDeadline) {
  stream_->expires_after(50ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Read(), asio::error::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(HttpStreamTest, ReadStartedAfterTheDeadlineFailsAndANewDeadlineStartsOver) {
  stream_->expires_after(10ms);
  io_.run_for(100ms);  // the deadline passes while nothing is pending
  asio::write(client_, asio::buffer("x", 1));
  EXPECT_EQ(Read(), asio::error::timed_out);
  stream_->expires_after(5s);
  EXPECT_EQ(Read(), boost::system::error_code());
  EXPECT_EQ(buffer_[0], 'x');
}

TEST_F(HttpStreamTest, CancelIsNotATimeout) {
  stream_->expires_after(5s);
  std::optional<boost::system::error_code> result;
  stream_->async_read_some(asio::buffer(buffer_),
                           [&](boost::system::error_code ec, std::size_t) { result = ec; });
  io_.poll();
  stream_->cancel();
  io_.run_for(100ms);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, asio::error::operation_aborted);
}

}  // namespace
}  // namespace parley::net
