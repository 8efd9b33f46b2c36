#include "app/jwt_secret.h"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace parley::app {

std::string LoadOrCreateJwtSecret(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty()) {
    if (configured.size() < 32) throw std::runtime_error("--jwt-secret must be at least 32 bytes");
    return configured;
  }
  const std::filesystem::path path = std::filesystem::path(data_dir) / "jwt_secret";
  if (std::ifstream in(path); in) {
    std::string secret;
    std::getline(in, secret);
    if (secret.size() >= 32) return secret;
    throw std::runtime_error(path.string() + " holds a secret shorter than 32 bytes");
  }
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  const std::string tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << hex << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  return hex;
}

}  // namespace parley::app
