#pragma once
// The server API for the product's backend (docs/protocol.md "Server API"),
// on the HTTP port under /api/admin/, authorised by
// `Authorization: Bearer <one of the --api-key keys>`:
//
//   POST /api/admin/users   {"user_id","password"?}  -> 201 {"user_id"}
//   POST /api/admin/tokens  {"user_id","ttl_seconds"?} -> 200 {"user_id","token","expires_at"}
//
// 404 for everything under /api/admin/ while no key is configured (the API
// is off), 401 for a missing or wrong key, then the errors of the protocol.
// net/ parses HTTP and calls this with the request's pieces.

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

#include "core/http_api.h"

namespace parley::core {

class AuthService;

boost::asio::awaitable<HttpReply> HandleAdmin(AuthService& auth, std::string_view method,
                                              std::string_view path,
                                              std::string_view authorization, std::string body);

}  // namespace parley::core
