#include "integration/harness/tls_peer.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>

namespace parley::testing {

std::string PeerCertificateSubject(std::uint16_t port, const std::string& ca_file) {
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code ec;
  context.load_verify_file(ca_file, ec);
  if (ec) return "error: " + ec.message();
  context.set_verify_mode(ssl::verify_peer);
  ssl::stream<asio::ip::tcp::socket> stream(io, context);
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "error: " + ec.message();
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return "error: " + ec.message();
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      SSL_get1_peer_certificate(stream.native_handle()), X509_free);
  if (!cert) return "error: no certificate";
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(out.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  std::string subject(data, static_cast<std::size_t>(size));
  stream.shutdown(ec);
  return subject;
}

}  // namespace parley::testing
