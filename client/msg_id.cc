#include "client/msg_id.h"

#include <cstdint>
#include <random>

namespace parley::client {

std::string NewMsgId() {
  // One generator per thread, seeded from the OS: no lock, and two clients
  // started in the same instant still draw different ids.
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seed{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[bits & 0xF];
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace parley::client
