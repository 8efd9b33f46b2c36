#pragma once
// Dispatcher: the one entry point of the core for a connection's requests.
// net/ decodes frames and calls Handle with each packet body; the core never
// sees a socket.
//
// Threads: a ConnectionState belongs to one connection and is only touched
// from that connection's executor; Dispatcher methods run on it too.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/metrics.h"
#include "core/session.h"
#include "core/token_source.h"
#include "core/typing_throttle.h"

namespace parley::core {

namespace asio = boost::asio;

class AuthService;
class MessageService;
class GroupService;
class SyncService;
class TypingService;
class Bus;
class RateLimiter;

struct ConnectionState {
  std::shared_ptr<Session> session;  // set by net before the first request
  std::string client_ip;             // the peer's address without port; set by net
  std::string user_id;               // empty until authenticated
  TypingThrottle typing_throttle;    // which of its TYPING packets are forwarded
  // Whether the session is attached to the bus (receives pushes, counts as
  // online). A closing connection goes offline before it is gone.
  enum class Presence { kOffline, kOnline };
  Presence presence = Presence::kOffline;
};

// The rate limits a Dispatcher applies (docs/protocol.md "Rate limits");
// nullptr: no such limit. Owned by the caller; they outlive the Dispatcher.
struct DispatchLimits {
  RateLimiter* chat = nullptr;  // CHAT per user
  RateLimiter* auth = nullptr;  // password logins and registrations per client IP
  RateLimiter* auth_user = nullptr;  // the same per user id, whatever the address
};

struct Reply {
  std::uint16_t cmd = 0;
  std::string body;  // JSON object text; always has "cmd" and "code"
};

class Dispatcher {
 public:
  Dispatcher(AuthService& auth, MessageService& messages, GroupService& groups, SyncService& sync,
             TypingService& typing, Bus& bus, base::Metrics& metrics, DispatchLimits limits = {});

  // Authenticates a connection whose credentials came with the WebSocket
  // upgrade (?token=, Authorization: Bearer, or ?user_id= with insecure auth).
  // On success the connection is online for that user; refused like a
  // LOGIN with that token (401, 403 banned).
  asio::awaitable<base::Result<void>> AuthenticateUpgrade(ConnectionState& state,
                                                          std::string token,
                                                          std::string insecure_user_id);

  // Handles one request. `header_cmd` is the TCP frame's cmd (nullopt on
  // WebSocket, where the body's "cmd" field names the command). The reply is
  // what to send back; errors are replies too (code != 0). nullopt: nothing
  // to send (a TYPING without "req_id" that succeeded, docs/protocol.md
  // "TYPING").
  asio::awaitable<std::optional<Reply>> Handle(ConnectionState& state,
                                               std::optional<std::uint16_t> header_cmd,
                                               std::string_view body);

  // The connection is gone: it goes offline.
  void OnDisconnect(ConnectionState& state);
  // The connection is closing: it no longer receives pushes or counts as
  // online, though its user is still known (for its last replies and logs).
  void GoOffline(ConnectionState& state);

  // True when a connection may start a CHAT before the previous CHATs it
  // started have been answered: CHATs started in order are then appended in
  // that order (MessageService::ChatsAppendInStartOrder). Other commands are
  // never overlapped with anything.
  bool ChatsMayOverlap() const;

  // Takes one of `client_ip`'s and one of `user_id`'s password attempts (a
  // LOGIN with a password, POST /api/login, POST /api/register; user_id ""
  // when the request names none). nullopt: admitted; else the value is the
  // retry_after_ms of the 429. The address is checked first: a flood from
  // one address does not spend its victims' per-user attempts. Thread-safe.
  std::optional<std::int64_t> AdmitAuthAttempt(std::string_view client_ip,
                                               std::string_view user_id);

 private:
  // Counts a refused authentication (metrics) and returns `error`.
  base::Error AuthFailed(base::AuthFailure reason, base::Error error);
  asio::awaitable<base::Result<std::string>> Login(ConnectionState& state,
                                                   const boost::json::object& request);
  void GoOnline(ConnectionState& state, std::string user_id);
  // The 429 reply of a request over its rate limit (docs/protocol.md "Rate
  // limits"): CHAT per user, LOGIN with a password per client IP; nullopt
  // when it may go on (and then it took its token).
  std::optional<std::string> RateLimitedReply(const ConnectionState& state, std::uint16_t cmd,
                                              const boost::json::object& request);

  AuthService& auth_;
  MessageService& messages_;
  GroupService& groups_;
  SyncService& sync_;
  TypingService& typing_;
  Bus& bus_;
  base::Metrics& metrics_;
  DispatchLimits limits_;
};

}  // namespace parley::core
