#include "net/http_router.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/admin_api.h"
#include "core/http_api.h"
#include "net/static_files.h"
#include "net/upgrade_request.h"

namespace parley::net {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4; charset=utf-8";

HttpAnswer MethodNotAllowed(std::string_view allow) {
  HttpAnswer answer = JsonError(405, "method not allowed");
  answer.allow = std::string(allow);
  return answer;
}

HttpAnswer FromCore(const core::HttpReply& reply) {
  return HttpAnswer{reply.status, std::string(kJson), reply.body, {}};
}

// The 429 of docs/protocol.md "Rate limits": the JSON error plus
// retry_after_ms, and a Retry-After header.
HttpAnswer RateLimitedAnswer(std::int64_t retry_after_ms) {
  boost::json::object body{{"code", 429},
                           {"error", "too many login or register attempts; retry after "
                                     "retry_after_ms"},
                           {"retry_after_ms", retry_after_ms}};
  HttpAnswer answer{429, std::string(kJson), boost::json::serialize(body), {}};
  answer.retry_after_ms = retry_after_ms;
  return answer;
}

// The "user_id" of a register or login body, for its per-user limit; ""
// when the body is not such JSON (the handler then answers 400).
std::string UserIdOf(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  const boost::json::value* user =
      !ec && parsed.is_object() ? parsed.as_object().if_contains("user_id") : nullptr;
  return user != nullptr && user->is_string() ? std::string(user->as_string()) : std::string();
}

HttpAnswer Health(ServerContext& context, std::string_view method) {
  if (method != "GET") return MethodNotAllowed("GET");
  const bool healthy = !context.healthy || context.healthy();
  return healthy ? HttpAnswer{200, std::string(kText), "ok\n", {}}
                 : HttpAnswer{503, std::string(kText), "unhealthy\n", {}};
}

HttpAnswer Metrics(ServerContext& context, std::string_view method) {
  if (method != "GET") return MethodNotAllowed("GET");
  return HttpAnswer{200, std::string(kPrometheus), context.metrics.RenderPrometheus(), {}};
}

}  // namespace

HttpAnswer RouteMetricsHttp(ServerContext& context, std::string_view method,
                            std::string_view target) {
  const std::string_view path = TargetPath(target);
  if (path == "/metrics") return Metrics(context, method);
  if (path == "/healthz") return Health(context, method);
  return JsonError(404, "not found: this listener serves /metrics and /healthz");
}

HttpAnswer JsonError(int status, std::string_view message) {
  return HttpAnswer{status, std::string(kJson),
                    boost::json::serialize(boost::json::object{{"code", status}, {"error", message}}), {}};
}

asio::awaitable<HttpAnswer> RouteHttp(ServerContext& context, std::string_view method,
                                      std::string_view target, std::string body,
                                      std::string_view client_ip, std::string_view authorization) {
  const std::string_view path = TargetPath(target);
  if (path.starts_with("/api/admin/")) {
    if (context.admin == nullptr) co_return JsonError(404, "the server API is off (--api-key)");
    core::HttpReply reply =
        co_await context.admin->Handle(method, path, authorization, std::move(body));
    co_return FromCore(reply);
  }
  const bool get = method == "GET";
  const bool post = method == "POST";

  if (path == "/api/register" || path == "/api/login") {
    if (!post) co_return MethodNotAllowed("POST");
    if (auto wait_ms = context.dispatcher.AdmitAuthAttempt(client_ip, UserIdOf(body))) {
      co_return RateLimitedAnswer(*wait_ms);
    }
    // Plain statements around co_await: GCC 12 miscompiles some co_await
    // sub-expressions (conditions, call arguments).
    core::HttpReply reply;
    if (path == "/api/register") {
      reply = co_await core::HandleRegister(context.auth, std::move(body));
    } else {
      reply = co_await core::HandleLogin(context.auth, std::move(body));
      if (reply.status == 401) {
        base::Bump(context.metrics.auth_failures_total[base::Metrics::Index(
            base::AuthFailure::kBadPassword)]);
      } else if (reply.status != 200) {
        base::Bump(context.metrics.auth_failures_total[base::Metrics::Index(
            base::AuthFailure::kOther)]);
      }
    }
    co_return FromCore(reply);
  }
  if (path == "/healthz") co_return Health(context, method);
  // With --metrics-listen the figures are for the private listener only.
  if (path == "/metrics" && context.options.metrics_listen.empty()) {
    co_return Metrics(context, method);
  }
  if (path == "/ws") {
    co_return JsonError(426, "WebSocket endpoint: send a GET with Upgrade: websocket");
  }
  if (!get) co_return MethodNotAllowed("GET");
  auto file = LoadStaticFile(context.options.web_root, target);
  if (!file) co_return JsonError(static_cast<int>(file.error().code), file.error().message);
  co_return HttpAnswer{200, std::move(file->content_type), std::move(file->body), {}};
}

}  // namespace parley::net
