#include "core/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/ids.h"
#include "core/auth_service.h"
#include "core/bus.h"
#include "core/group_service.h"
#include "core/message_service.h"
#include "core/rate_limiter.h"
#include "core/sync_service.h"
#include "core/typing_service.h"
#include "protocol/commands.h"
#include "protocol/packet.h"
#include "protocol/requests.h"

namespace parley::core {
namespace json = boost::json;
using protocol::Cmd;

namespace {

// The cmd an error reply carries when the request's own cmd is unusable:
// the header's, else the body's integer "cmd" field, else 0.
std::uint16_t FallbackCmd(std::optional<std::uint16_t> header_cmd, const json::object* body) {
  if (header_cmd) return *header_cmd;
  if (body != nullptr) {
    if (const json::value* v = body->if_contains("cmd"); v && v->is_int64()) {
      const std::int64_t raw = v->get_int64();
      if (raw >= 0 && raw <= 0xffff) return static_cast<std::uint16_t>(raw);
    }
  }
  return 0;
}

// nullopt when `limiter` (if any) admits `key`, else the wait it asks for.
std::optional<std::int64_t> RefusedWaitMs(RateLimiter* limiter, std::string_view key) {
  if (limiter == nullptr) return std::nullopt;
  const RateDecision decision = limiter->Admit(key);
  if (decision.verdict == RateVerdict::kAdmit) return std::nullopt;
  return decision.retry_after_ms;
}

// The 429 of docs/protocol.md "Rate limits": an error reply plus
// "retry_after_ms".
std::string RateLimitedResponse(std::uint16_t cmd, std::string message,
                                std::int64_t retry_after_ms, const json::object& request) {
  const base::Error error = base::MakeError(base::Code::kRateLimited, std::move(message));
  return protocol::ErrorResponse(cmd, error, &request, {{"retry_after_ms", retry_after_ms}});
}

}  // namespace

Dispatcher::Dispatcher(AuthService& auth, MessageService& messages, GroupService& groups,
                       SyncService& sync, TypingService& typing, Bus& bus, base::Metrics& metrics,
                       DispatchLimits limits)
    : auth_(auth),
      messages_(messages),
      groups_(groups),
      sync_(sync),
      typing_(typing),
      bus_(bus),
      metrics_(metrics),
      limits_(limits) {}

std::optional<std::int64_t> Dispatcher::AdmitAuthAttempt(std::string_view client_ip,
                                                         std::string_view user_id) {
  if (auto wait_ms = RefusedWaitMs(limits_.auth, client_ip)) return wait_ms;
  if (user_id.empty()) return std::nullopt;
  return RefusedWaitMs(limits_.auth_user, user_id);
}

std::optional<std::string> Dispatcher::RateLimitedReply(const ConnectionState& state,
                                                        std::uint16_t cmd,
                                                        const json::object& request) {
  if (cmd == static_cast<std::uint16_t>(Cmd::kChat)) {
    if (auto wait_ms = RefusedWaitMs(limits_.chat, state.user_id)) {
      return RateLimitedResponse(cmd, "too many messages; retry after retry_after_ms", *wait_ms,
                                 request);
    }
  }
  // Only a password can be guessed: a LOGIN with a token costs no attempt.
  if (cmd == static_cast<std::uint16_t>(Cmd::kLogin) && !request.contains("token")) {
    const json::value* user = request.if_contains("user_id");
    const std::string_view user_id =
        user != nullptr && user->is_string() ? std::string_view(user->get_string()) : "";
    if (auto wait_ms = AdmitAuthAttempt(state.client_ip, user_id)) {
      return RateLimitedResponse(cmd, "too many login attempts; retry after retry_after_ms",
                                 *wait_ms, request);
    }
  }
  return std::nullopt;
}

void Dispatcher::GoOnline(ConnectionState& state, std::string user_id) {
  state.user_id = std::move(user_id);
  bus_.Attach(state.user_id, state.session);
  state.presence = ConnectionState::Presence::kOnline;
}

asio::awaitable<base::Result<void>> Dispatcher::AuthenticateUpgrade(
    ConnectionState& state, std::string token, std::string insecure_user_id) {
  if (!token.empty()) {
    base::Result<VerifiedToken> admitted = co_await auth_.Admit(std::move(token));
    if (!admitted) co_return AuthFailed(base::AuthFailure::kBadToken, admitted.error());
    GoOnline(state, std::move(admitted->user_id));
    co_return base::Result<void>{};
  }
  if (!auth_.insecure()) {
    base::Error refused = base::MakeError(
        base::Code::kUnauthenticated,
        "?user_id= is accepted only with --auth=insecure; send a token");
    co_return AuthFailed(base::AuthFailure::kOther, std::move(refused));
  }
  if (!base::IsValidUserId(insecure_user_id)) {
    base::Error invalid =
        base::MakeError(base::Code::kBadRequest, "user_id is not a valid user id");
    co_return AuthFailed(base::AuthFailure::kOther, std::move(invalid));
  }
  GoOnline(state, std::move(insecure_user_id));
  co_return base::Result<void>{};
}

bool Dispatcher::ChatsMayOverlap() const { return messages_.ChatsAppendInStartOrder(); }

void Dispatcher::GoOffline(ConnectionState& state) {
  if (state.presence == ConnectionState::Presence::kOnline && state.session) {
    bus_.Detach(state.user_id, state.session->id());
  }
  state.presence = ConnectionState::Presence::kOffline;
}

void Dispatcher::OnDisconnect(ConnectionState& state) {
  GoOffline(state);
  state.user_id.clear();
}

base::Error Dispatcher::AuthFailed(base::AuthFailure reason, base::Error error) {
  base::Bump(metrics_.auth_failures_total[base::Metrics::Index(reason)]);
  return error;
}

asio::awaitable<base::Result<std::string>> Dispatcher::Login(ConnectionState& state,
                                                             const json::object& request) {
  base::Result<protocol::LoginRequest> parsed = protocol::ParseLogin(request);
  if (!parsed) co_return AuthFailed(base::AuthFailure::kOther, parsed.error());
  const protocol::LoginRequest& login = *parsed;
  std::string user_id;
  std::string token;
  if (!login.token.empty()) {
    // Provisions a product token's new user before it goes online, so
    // others can message it once it is.
    base::Result<VerifiedToken> admitted = co_await auth_.Admit(login.token);
    if (!admitted) co_return AuthFailed(base::AuthFailure::kBadToken, admitted.error());
    user_id = std::move(admitted->user_id);
    token = auth_.IssueToken(user_id);  // a fresh expiry for a live session
  } else {
    base::Result<std::string> issued = co_await auth_.Login(login.user_id, login.password);
    if (!issued) {
      // 401 is a wrong user id or password; anything else (400, 503) is not
      // the password's fault.
      const bool wrong = issued.error().code == base::Code::kUnauthenticated;
      co_return AuthFailed(wrong ? base::AuthFailure::kBadPassword : base::AuthFailure::kOther,
                           issued.error());
    }
    token = std::move(*issued);
    user_id = login.user_id;
  }
  if (!state.user_id.empty() && state.user_id != user_id) {
    base::Error other_user = base::MakeError(
        base::Code::kBadRequest, "this connection is already logged in as " + state.user_id);
    co_return AuthFailed(base::AuthFailure::kOther, std::move(other_user));
  }
  if (state.user_id.empty()) GoOnline(state, user_id);
  co_return protocol::OkResponse(Cmd::kLogin, &request, {{"user_id", user_id}, {"token", token}});
}

asio::awaitable<std::optional<Reply>> Dispatcher::Handle(ConnectionState& state,
                                                         std::optional<std::uint16_t> header_cmd,
                                                         std::string_view body) {
  const auto arrived = std::chrono::steady_clock::now();  // for the CHAT ack latency
  base::Bump(metrics_.requests_total);
  auto error_reply = [&](std::uint16_t cmd, const base::Error& error, const json::object* request) {
    base::Bump(metrics_.request_errors_total);
    return Reply{cmd, protocol::ErrorResponse(cmd, error, request)};
  };

  auto request = protocol::ParseObject(body);
  if (!request) co_return error_reply(FallbackCmd(header_cmd, nullptr), request.error(), nullptr);
  auto cmd = protocol::ResolveCmd(*request, header_cmd);
  if (!cmd) co_return error_reply(FallbackCmd(header_cmd, &*request), cmd.error(), &*request);
  const auto cmd_number = static_cast<std::uint16_t>(*cmd);

  if (state.user_id.empty() && *cmd != Cmd::kHeartbeat && *cmd != Cmd::kLogin) {
    co_return error_reply(cmd_number,
                          base::MakeError(base::Code::kUnauthenticated, "log in first (cmd 1)"),
                          &*request);
  }

  // Before anything is done: a refused CHAT stores nothing.
  if (std::optional<std::string> limited = RateLimitedReply(state, cmd_number, *request)) {
    base::Bump(metrics_.request_errors_total);
    co_return Reply{cmd_number, std::move(*limited)};
  }

  const Caller caller{state.user_id, state.session ? state.session->id() : 0};
  base::Result<std::string> result = base::MakeError(base::Code::kInternal, "unhandled");
  switch (*cmd) {
    case Cmd::kHeartbeat: result = protocol::OkResponse(Cmd::kHeartbeat, &*request); break;
    case Cmd::kLogin: result = co_await Login(state, *request); break;
    case Cmd::kChat: result = co_await messages_.Chat(caller, *request); break;
    case Cmd::kPull: result = co_await messages_.Pull(caller, *request); break;
    case Cmd::kAck: result = co_await messages_.Ack(caller, *request); break;
    case Cmd::kHistory: result = co_await messages_.History(caller, *request); break;
    case Cmd::kConversations: result = co_await messages_.Conversations(caller, *request); break;
    case Cmd::kReceipts: result = co_await messages_.Receipts(caller, *request); break;
    case Cmd::kSync: result = co_await sync_.Sync(caller, *request); break;
    case Cmd::kGroup: result = co_await groups_.Handle(caller, *request); break;
    case Cmd::kTyping:
      result = co_await typing_.Typing(caller, state.typing_throttle, *request);
      break;
    case Cmd::kPush:  // rejected by ResolveCmd
      break;
  }
  if (!result) co_return error_reply(cmd_number, result.error(), &*request);
  // A client may send TYPING on every keystroke: only one that asks for an
  // answer (carries "req_id") gets one. Errors are always answered.
  if (*cmd == Cmd::kTyping && !request->contains("req_id")) co_return std::nullopt;
  if (*cmd == Cmd::kChat) metrics_.chat_ack_seconds.ObserveMicrosSince(arrived);
  co_return Reply{cmd_number, std::move(*result)};
}

}  // namespace parley::core
