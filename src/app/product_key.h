#pragma once
// --jwt-public-key: the product backend's public key (PEM). Its type pins
// the algorithm of product tokens: RSA -> RS256, EC P-256 -> ES256. Throws
// with a message naming the flag on an unreadable file or another key type
// (start-up).

#include <string>

#include "core/auth_service.h"

namespace parley::app {

core::ProductKey LoadProductKey(const std::string& path);

}  // namespace parley::app
