#pragma once
// Who is asking: the authenticated user and the connection it came on.

#include <cstdint>
#include <string>

namespace parley::core {

struct Caller {
  std::string user_id;
  std::uint64_t session_id = 0;
};

}  // namespace parley::core
