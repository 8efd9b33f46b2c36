#pragma once
// JSON packets (docs/protocol.md "Commands"): parsing a request body into an object,
// typed field access with clear errors, and building responses.
//
// Pure code: no I/O, no threads.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "protocol/commands.h"

namespace parley::protocol {

// A request as received: its command and its JSON object.
struct Packet {
  Cmd cmd = Cmd::kHeartbeat;
  boost::json::object body;
};

// Parses a body that must be a JSON object (at most `max_depth` deep).
base::Result<boost::json::object> ParseObject(std::string_view text);

// Resolves the command: `header_cmd` is the TCP header's Cmd (absent on
// WebSocket, where the body's "cmd" field is required). When both are present
// they must agree. Errors: 400 for a missing, mistyped or unknown cmd.
base::Result<Cmd> ResolveCmd(const boost::json::object& body,
                             std::optional<std::uint16_t> header_cmd);

// Field access. Each returns 400 with a message naming the field when it is
// missing (for the Required forms) or of the wrong type.
base::Result<std::string_view> RequiredString(const boost::json::object& o, std::string_view key);
base::Result<std::optional<std::string_view>> OptionalString(const boost::json::object& o,
                                                             std::string_view key);
base::Result<std::int64_t> RequiredInt(const boost::json::object& o, std::string_view key);
// Returns `fallback` when the field is absent.
base::Result<std::int64_t> OptionalInt(const boost::json::object& o, std::string_view key,
                                       std::int64_t fallback);
base::Result<bool> RequiredBool(const boost::json::object& o, std::string_view key);
base::Result<const boost::json::object*> RequiredObject(const boost::json::object& o,
                                                        std::string_view key);

// Response builders. Every response carries "cmd" and "code"; the request's
// "req_id" and "msg_id" are echoed when present, so clients can match it.
//
// `fields` are merged into the response object.
std::string OkResponse(Cmd cmd, const boost::json::object* request,
                       boost::json::object fields = {});
// Inserts `"key":<raw_json>` into a serialized object (before its closing
// brace), so already-serialized messages join a response without a re-parse.
void AppendRawField(std::string& object_text, std::string_view key, std::string_view raw_json);

// `fields` are merged in too (a 429's "retry_after_ms").
std::string ErrorResponse(std::uint16_t cmd, const base::Error& error,
                          const boost::json::object* request, boost::json::object fields = {});

}  // namespace parley::protocol
