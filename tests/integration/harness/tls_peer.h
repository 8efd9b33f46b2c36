#pragma once
// A blocking TLS client for tests that look at the server's side of the
// handshake itself (which certificate it presents), not at the protocol.

#include <cstdint>
#include <string>

namespace parley::testing {

// Connects to 127.0.0.1:port, completes a TLS handshake trusting `ca_file`
// (verifying the server's name "localhost"), and returns the subject of the
// server's certificate ("CN=server-a"), or "error: <reason>" when the
// connection or the handshake failed.
std::string PeerCertificateSubject(std::uint16_t port, const std::string& ca_file);

}  // namespace parley::testing
