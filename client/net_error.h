#pragma once
// Network failures as error values: 503 naming the step that failed, so a
// message reads "connect 127.0.0.1:8090: Connection refused".

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::client {

inline base::Error NetError(std::string_view step, const boost::system::error_code& ec) {
  return base::MakeError(base::Code::kUnavailable, std::string(step) + ": " + ec.message());
}

}  // namespace parley::client
