// A request body as a client sends it (TCP frame body or WebSocket text):
// protocol/packet.h's object parsing and cmd resolution, every typed request
// parser of requests.h, the TYPING event parser of typing.h, and the
// response builders echoing the request's ids. Properties: every parser
// answers (a value or a 400), and every response is a JSON object again.
//
// Input: the body; its last two bytes also serve as the TCP header's cmd.

#include <boost/json/parse.hpp>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/packet.h"
#include "protocol/requests.h"
#include "protocol/typing.h"

namespace {

using namespace parley::protocol;
using parley::fuzz::Check;

template <class R>
void ExpectAnswer(const R& result) {
  Check(result || result.error().code == parley::base::Code::kBadRequest,
        "a request parser failed with something else than 400");
}

void ExpectObject(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  Check(!ec && v.is_object(), "a response is not a JSON object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::uint16_t> header_cmd;
  if (size >= 2) header_cmd = static_cast<std::uint16_t>((data[size - 2] << 8) | data[size - 1]);

  auto object = ParseObject(text);
  if (!object) {
    Check(object.error().code == parley::base::Code::kBadRequest, "ParseObject: not a 400");
    return 0;
  }
  const boost::json::object& body = *object;
  ExpectAnswer(ResolveCmd(body, std::nullopt));
  const auto cmd = ResolveCmd(body, header_cmd);
  ExpectAnswer(cmd);

  ExpectAnswer(ParseLogin(body));
  ExpectAnswer(ParseChat(body));
  ExpectAnswer(ParsePull(body));
  ExpectAnswer(ParseAck(body));
  ExpectAnswer(ParseReceipts(body));
  ExpectAnswer(ParseHistory(body));
  ExpectAnswer(ParseSync(body));
  ExpectAnswer(ParseConversations(body));
  ExpectAnswer(ParseTyping(body));
  if (auto event = ParseTypingEvent(body)) {
    auto again = ParseObject(TypingEventBody(*event));
    Check(again && ParseTypingEvent(*again) == event, "a typing event does not round-trip");
  }

  const Cmd answered = cmd ? *cmd : Cmd::kHeartbeat;
  ExpectObject(OkResponse(answered, &body));
  ExpectObject(OkResponse(answered, &body, boost::json::object{{"req_id", 7}, {"seq", 3}}));
  ExpectObject(ErrorResponse(header_cmd.value_or(0),
                             parley::base::MakeError(parley::base::Code::kBadRequest, "bad"),
                             &body));
  return 0;
}
