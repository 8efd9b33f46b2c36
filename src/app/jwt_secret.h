#pragma once
// Where the JWT secret comes from: --jwt-secret / PARLEY_JWT_SECRET, else a
// random secret generated on first start and kept in DATA_DIR/jwt_secret
// (mode 0600), so tokens survive restarts. Throws on I/O failure (start-up).

#include <string>

namespace parley::app {

std::string LoadOrCreateJwtSecret(const std::string& configured, const std::string& data_dir);

}  // namespace parley::app
