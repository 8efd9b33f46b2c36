// TcpTransport against a raw in-test socket: framing in both directions,
// frames split and coalesced by TCP, bodies that are not JSON skipped.

#include "client/tcp_transport.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <thread>

namespace parley::client {
namespace {

using asio::ip::tcp;

// Runs `test` as a coroutine on `io` to completion.
template <class F>
void RunCoroutine(asio::io_context& io, F test) {
  bool finished = false;
  asio::co_spawn(io, test(), [&](std::exception_ptr e) {
    finished = true;
    if (e) std::rethrow_exception(e);
  });
  io.run();
  EXPECT_TRUE(finished);
}

TEST(TcpTransportTest, WritesFramesAndReadsSplitAndCoalescedFrames) {
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Endpoint endpoint{"127.0.0.1", acceptor.local_endpoint().port()};

  std::string received_frame;
  std::thread server([&] {
    tcp::socket peer = acceptor.accept();
    // What the client writes: one LOGIN frame.
    std::string login_body = R"({"cmd":1,"token":"t"})";
    received_frame.resize(protocol::kFrameHeaderSize + login_body.size());
    asio::read(peer, asio::buffer(received_frame));
    // Two frames in one write, a non-JSON frame, then a frame in two writes.
    std::string burst = protocol::EncodeFrame(1, R"({"cmd":1,"code":0,"user_id":"a"})") +
                        protocol::EncodeFrame(42, R"({"note":"x"})") +
                        protocol::EncodeFrame(5, "not json");
    asio::write(peer, asio::buffer(burst));
    std::string last = protocol::EncodeFrame(5, R"({"cmd":5,"payload":{}})");
    asio::write(peer, asio::buffer(last.substr(0, 5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    asio::write(peer, asio::buffer(last.substr(5)));
    // Closing ends the stream: the client's next Read fails.
  });

  asio::io_context io;
  RunCoroutine(io, [&]() -> asio::awaitable<void> {
    TcpTransport transport(io.get_executor(), protocol::kDefaultMaxFrame);
    auto connected = co_await transport.Connect(endpoint);
    EXPECT_TRUE(connected) << connected.error().message;
    auto written = co_await transport.Write(1, R"({"cmd":1,"token":"t"})");
    EXPECT_TRUE(written);

    auto first = co_await transport.Read();
    EXPECT_TRUE(first);
    EXPECT_EQ(first->cmd, 1);
    EXPECT_EQ(first->body.at("user_id").as_string(), "a");
    auto second = co_await transport.Read();
    EXPECT_TRUE(second);
    EXPECT_EQ(second->cmd, 42);
    auto third = co_await transport.Read();  // "not json" was skipped
    EXPECT_TRUE(third);
    EXPECT_EQ(third->cmd, 5);
    EXPECT_TRUE(third->body.contains("payload"));
    auto end = co_await transport.Read();
    EXPECT_FALSE(end);
    EXPECT_EQ(end.error().code, base::Code::kUnavailable);
  });
  server.join();

  EXPECT_EQ(received_frame, protocol::EncodeFrame(1, R"({"cmd":1,"token":"t"})"));
}

TEST(TcpTransportTest, ConnectRefusedIsUnavailable) {
  asio::io_context io;
  std::uint16_t port;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  // A named endpoint, not a braced temporary inside co_await: g++ 12 destroys
  // such temporaries twice (GCC PR 101367).
  Endpoint endpoint{"127.0.0.1", port};
  RunCoroutine(io, [&]() -> asio::awaitable<void> {
    TcpTransport transport(io.get_executor(), protocol::kDefaultMaxFrame);
    auto connected = co_await transport.Connect(endpoint);
    EXPECT_FALSE(connected);
    if (!connected) {
      EXPECT_EQ(connected.error().code, base::Code::kUnavailable);
    }
  });
}

TEST(TcpTransportTest, OversizedFrameBreaksTheStream) {
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Endpoint endpoint{"127.0.0.1", acceptor.local_endpoint().port()};
  std::thread server([&] {
    tcp::socket peer = acceptor.accept();
    asio::write(peer, asio::buffer(protocol::EncodeFrame(1, std::string(200, ' '))));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  asio::io_context io;
  RunCoroutine(io, [&]() -> asio::awaitable<void> {
    TcpTransport transport(io.get_executor(), /*max_frame=*/100);
    EXPECT_TRUE(co_await transport.Connect(endpoint));
    auto packet = co_await transport.Read();
    EXPECT_FALSE(packet);
    if (!packet) {
      EXPECT_EQ(packet.error().code, base::Code::kTooLarge);
    }
  });
  server.join();
}

}  // namespace
}  // namespace parley::client
