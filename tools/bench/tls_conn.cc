// The binary TCP transport over TLS (--tls): the frames of framed_conn.h
// through an asio::ssl stream; and the TLS set-up the WebSocket transport
// and the HTTP calls share (tls.h).
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <iostream>
#include <mutex>

#include "tools/bench/conn.h"
#include "tools/bench/framed_conn.h"
#include "tools/bench/tls.h"

namespace parley::bench {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

void OpenBound(tcp::socket& socket, const Target& target);  // tcp_conn.cc

ssl::context& SharedTlsContext(const std::string& ca_file) {
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

void ExpectServerName(ssl::stream<tcp::socket>& stream, const Target& target) {
  if (!target.ca_file.empty()) stream.set_verify_callback(ssl::host_name_verification(target.host));
}

std::string TlsHttpExchange(const std::string& host, std::uint16_t port,
                            const std::string& ca_file, const std::string& request) {
  asio::io_context io;
  ssl::stream<tcp::socket> stream(io, SharedTlsContext(ca_file));
  Target target;
  target.host = host;
  target.ca_file = ca_file;
  ExpectServerName(stream, target);
  boost::system::error_code ec;
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address(host, ec), port), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (!ec) asio::write(stream, asio::buffer(request), ec);
  if (ec) return {};
  std::string response;
  asio::read(stream, asio::dynamic_buffer(response), ec);  // until the server closes
  return response;
}

namespace {

class TlsConn final : public FramedConn<ssl::stream<tcp::socket>> {
 public:
  TlsConn(asio::io_context& io, const Target& target)
      : FramedConn(io, SharedTlsContext(target.ca_file)), target_(target) {
    ExpectServerName(stream_, target_);
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

  void Close() override {
    boost::system::error_code ec;
    stream_.next_layer().close(ec);
  }

 private:
  Target target_;
};

}  // namespace

std::unique_ptr<Conn> MakeTlsConn(asio::io_context& io, const Target& target) {
  return std::make_unique<TlsConn>(io, target);
}

}  // namespace parley::bench
