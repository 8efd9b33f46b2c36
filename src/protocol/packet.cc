#include "protocol/packet.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/json_writer.h"

namespace parley::protocol {
namespace json = boost::json;
namespace {

// Deep nesting is never legitimate in our packets; a bound keeps a hostile
// body from exhausting the parser's stack.
constexpr std::size_t kMaxDepth = 16;

base::Error FieldError(std::string_view key, std::string_view what) {
  return base::MakeError(base::Code::kBadRequest,
                         "field '" + std::string(key) + "' " + std::string(what));
}

void EchoIds(json::object& out, const json::object* request) {
  if (request == nullptr) return;
  for (std::string_view key : {"req_id", "msg_id"}) {
    if (const json::value* v = request->if_contains(key)) {
      if (v->is_string() || v->is_int64() || v->is_uint64()) out[key] = *v;
    }
  }
}

}  // namespace

base::Result<json::object> ParseObject(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return base::MakeError(base::Code::kBadRequest, "invalid JSON: " + ec.message());
  if (!v.is_object()) return base::MakeError(base::Code::kBadRequest, "packet is not a JSON object");
  return std::move(v.as_object());
}

base::Result<Cmd> ResolveCmd(const json::object& body, std::optional<std::uint16_t> header_cmd) {
  std::optional<std::int64_t> body_cmd;
  if (const json::value* v = body.if_contains("cmd")) {
    if (!v->is_int64() && !v->is_uint64()) return FieldError("cmd", "must be an integer");
    body_cmd = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
  }
  if (header_cmd && body_cmd && *body_cmd != *header_cmd) {
    return base::MakeError(base::Code::kBadRequest, "cmd in body differs from the frame's cmd");
  }
  std::optional<std::int64_t> raw = header_cmd ? std::optional<std::int64_t>(*header_cmd) : body_cmd;
  if (!raw) return FieldError("cmd", "is missing");
  std::optional<Cmd> cmd = CmdFromInt(*raw);
  if (!cmd || *cmd == Cmd::kPush) {
    return base::MakeError(base::Code::kBadRequest, "unknown cmd " + std::to_string(*raw));
  }
  return *cmd;
}

base::Result<std::string_view> RequiredString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return FieldError(key, "is missing");
  if (!v->is_string()) return FieldError(key, "must be a string");
  const json::string& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

base::Result<std::optional<std::string_view>> OptionalString(const json::object& o,
                                                             std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string_view>{};
  if (!v->is_string()) return FieldError(key, "must be a string");
  const json::string& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

base::Result<std::int64_t> RequiredInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return FieldError(key, "is missing");
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return FieldError(key, "is too large");
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return FieldError(key, "must be an integer");
}

base::Result<std::int64_t> OptionalInt(const json::object& o, std::string_view key,
                                       std::int64_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  return RequiredInt(o, key);
}

base::Result<bool> RequiredBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return FieldError(key, "is missing");
  if (!v->is_bool()) return FieldError(key, "must be true or false");
  return v->get_bool();
}

base::Result<const json::object*> RequiredObject(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return FieldError(key, "is missing");
  if (!v->is_object()) return FieldError(key, "must be an object");
  return &v->get_object();
}

// Written directly (no intermediate object): this answers every request.
// Keys as the object would hold them: cmd, code, the echoed ids, then
// `fields` in order; a field named like an earlier key replaces its value.
std::string OkResponse(Cmd cmd, const json::object* request, json::object fields) {
  auto overridden = [&](std::string_view key) { return fields.if_contains(key) != nullptr; };
  std::string out;
  out.reserve(128);
  out.push_back('{');
  if (!overridden("cmd")) {
    AppendJsonKey(out, "cmd");
    AppendJsonInt(out, static_cast<std::uint16_t>(cmd));
  }
  if (!overridden("code")) out.append(out.size() > 1 ? R"(,"code":0)" : R"("code":0)");
  if (request != nullptr) {
    for (std::string_view key : {"req_id", "msg_id"}) {
      const json::value* v = request->if_contains(key);
      if (v == nullptr || overridden(key)) continue;
      if (v->is_string() || v->is_int64() || v->is_uint64()) {
        AppendJsonKey(out, key);
        AppendJsonValue(out, *v);
      }
    }
  }
  for (const auto& kv : fields) {
    AppendJsonKey(out, kv.key());
    AppendJsonValue(out, kv.value());
  }
  out.push_back('}');
  return out;
}

void AppendRawField(std::string& object_text, std::string_view key, std::string_view raw_json) {
  // object_text is our own serializer's output: it ends with '}' and keys
  // never need escaping (they are literals of this code base).
  object_text.pop_back();
  if (object_text.size() > 1) object_text.push_back(',');
  object_text.push_back('"');
  object_text.append(key);
  object_text.append("\":");
  object_text.append(raw_json);
  object_text.push_back('}');
}

std::string ErrorResponse(std::uint16_t cmd, const base::Error& error, const json::object* request,
                          json::object fields) {
  json::object out = std::move(fields);
  out["cmd"] = cmd;
  out["code"] = static_cast<int>(error.code);
  out["error"] = error.message;
  EchoIds(out, request);
  return json::serialize(out);
}

}  // namespace parley::protocol
