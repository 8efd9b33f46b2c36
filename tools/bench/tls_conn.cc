// The binary TCP transport over TLS (--tls): the frames of framed_conn.h
// through an asio::ssl stream. The one translation unit of parley-bench that
// instantiates asio::ssl. With --ca the server's certificate and name are
// verified; without, nothing is (a load generator against a test
// certificate).
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <iostream>
#include <mutex>

#include "tools/bench/conn.h"
#include "tools/bench/framed_conn.h"

namespace parley::bench {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

void OpenBound(tcp::socket& socket, const Target& target);  // tcp_conn.cc

namespace {

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

class TlsConn final : public FramedConn<ssl::stream<tcp::socket>> {
 public:
  TlsConn(asio::io_context& io, const Target& target)
      : FramedConn(io, SharedContext(target.ca_file)), target_(target) {
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
