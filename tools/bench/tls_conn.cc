// The binary TCP transport over TLS (--tls): TcpConn's frames through an
// asio::ssl stream. The one translation unit of parley-bench that
// instantiates asio::ssl. With --ca the server's certificate and name are
// verified; without, nothing is (a load generator against a test
// certificate).
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <iostream>
#include <mutex>

#include "protocol/frame_codec.h"
#include "tools/bench/conn.h"

namespace parley::bench {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

void OpenBound(tcp::socket& socket, const Target& target);  // tcp_conn.cc

namespace {

constexpr std::uint32_t kMaxInboundFrame = 16u << 20;

// One client context per process (the first target's CA file).
ssl::context& SharedContext(const std::string& ca_file) {
  static std::once_flag once;
  static std::unique_ptr<ssl::context> context;
  std::call_once(once, [&] {
    context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    if (ca_file.empty()) {
      context->set_verify_mode(ssl::verify_none);
    } else {
      context->load_verify_file(ca_file);  // throws at start-up on a bad file
      context->set_verify_mode(ssl::verify_peer);
    }
  });
  return *context;
}

class TlsConn final : public Conn {
 public:
  TlsConn(asio::io_context& io, const Target& target)
      : stream_(io, SharedContext(target.ca_file)), target_(target), decoder_(kMaxInboundFrame) {
    if (!target_.ca_file.empty())
      stream_.set_verify_callback(ssl::host_name_verification(target_.host));
  }

  void Start(OpenHandler on_open) override {
    OpenBound(stream_.next_layer(), target_);
    const tcp::endpoint server(asio::ip::make_address(target_.host), target_.port);
    stream_.next_layer().async_connect(
        server, [this, on_open = std::move(on_open)](auto ec) mutable {
          if (ec) {
            on_open(false);
            return;
          }
          stream_.next_layer().set_option(tcp::no_delay(true), ec);
          stream_.async_handshake(ssl::stream_base::client,
                                  [this, on_open = std::move(on_open)](auto hec) {
                                    if (hec) {
                                      on_open(false);
                                      return;
                                    }
                                    on_open(true);
                                    Read();
                                  });
        });
  }

  void Send(std::uint16_t cmd, std::string_view body) override {
    const protocol::FrameHeaderBytes h = protocol::EncodeFrameHeader(cmd, body.size());
    pending_.append(h.data(), h.size());
    pending_.append(body);
    if (!writing_) Flush();
  }

  void Close() override {
    boost::system::error_code ec;
    stream_.next_layer().close(ec);
  }

 private:
  void Read() {
    std::span<char> space = decoder_.WritableSpace(16384);
    stream_.async_read_some(asio::buffer(space.data(), space.size()),
                            [this](auto ec, std::size_t n) {
                              if (ec) {
                                Closed();
                                return;
                              }
                              decoder_.Commit(n);
                              for (;;) {
                                auto next = decoder_.Next();
                                if (!next) {
                                  Closed();
                                  return;
                                }
                                if (!*next) break;
                                if (on_packet_) on_packet_((*next)->cmd, (*next)->body);
                              }
                              Read();
                            });
  }

  void Flush() {
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    asio::async_write(stream_, asio::buffer(in_flight_), [this](auto ec, std::size_t) {
      writing_ = false;
      if (ec) return;  // the read side reports the close
      if (!pending_.empty()) Flush();
    });
  }

  void Closed() {
    if (closed_) return;
    closed_ = true;
    if (on_closed_) on_closed_();
  }

  ssl::stream<tcp::socket> stream_;
  Target target_;
  protocol::FrameDecoder decoder_;
  std::string pending_;
  std::string in_flight_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Conn> MakeTlsConn(asio::io_context& io, const Target& target) {
  return std::make_unique<TlsConn>(io, target);
}

}  // namespace parley::bench
