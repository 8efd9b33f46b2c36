#include "protocol/packet.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "protocol/message.h"
#include "protocol/requests.h"

namespace parley::protocol {
namespace {

namespace json = boost::json;

TEST(Packet, RejectsInvalidJsonAndNonObjects) {
  EXPECT_EQ(ParseObject("{").error().code, base::Code::kBadRequest);
  EXPECT_EQ(ParseObject("[1,2]").error().message, "packet is not a JSON object");
  EXPECT_FALSE(ParseObject("\"str\"").has_value());
  EXPECT_FALSE(ParseObject(std::string(100, '[') + std::string(100, ']')).has_value());
  EXPECT_TRUE(ParseObject("{\"a\":1}").has_value());
}

TEST(Packet, ResolvesCmdFromHeaderOrBody) {
  auto obj = ParseObject(R"({"cmd":2})").value();
  EXPECT_EQ(ResolveCmd(obj, std::nullopt).value(), Cmd::kChat);
  EXPECT_EQ(ResolveCmd(obj, 2).value(), Cmd::kChat);
  EXPECT_FALSE(ResolveCmd(obj, 3).has_value());  // disagreement
  auto empty = ParseObject("{}").value();
  EXPECT_EQ(ResolveCmd(empty, 4).value(), Cmd::kAck);
  EXPECT_FALSE(ResolveCmd(empty, std::nullopt).has_value());
  EXPECT_FALSE(ResolveCmd(empty, 99).has_value());
  EXPECT_FALSE(ResolveCmd(empty, 5).has_value());  // PUSH is server to client only
  EXPECT_FALSE(ResolveCmd(ParseObject(R"({"cmd":"2"})").value(), std::nullopt).has_value());
}

TEST(Packet, FieldErrorsNameTheField) {
  auto obj = ParseObject(R"({"msg_id":5,"payload":{"content":"hi"}})").value();
  auto chat = ParseChat(obj);
  ASSERT_FALSE(chat.has_value());
  EXPECT_EQ(chat.error().message, "field 'msg_id' must be a string");
  auto missing = ParseChat(ParseObject(R"({"msg_id":"m1","payload":{"content":"x"}})").value());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("conversation_id"), std::string::npos);
}

TEST(Packet, ParsesChat) {
  auto chat = ParseChat(ParseObject(
      R"({"msg_id":"m1","to":"bob","payload":{"content":"Hello","msg_type":1}})").value());
  ASSERT_TRUE(chat.has_value());
  EXPECT_EQ(chat->msg_id, "m1");
  EXPECT_EQ(chat->to, "bob");
  EXPECT_EQ(chat->content, "Hello");
  EXPECT_EQ(chat->msg_type, 1);
}

TEST(Packet, ParsesTyping) {
  auto typing = ParseTyping(ParseObject(R"({"conversation_id":"group_g","typing":true})").value());
  ASSERT_TRUE(typing.has_value());
  EXPECT_EQ(typing->conversation_id, "group_g");
  EXPECT_EQ(typing->state, TypingState::kTyping);
  auto stopped = ParseTyping(ParseObject(R"({"to":"bob","typing":false})").value());
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->to, "bob");
  EXPECT_EQ(stopped->state, TypingState::kStopped);
  EXPECT_EQ(ParseTyping(ParseObject(R"({"to":"bob"})").value()).error().message,
            "field 'typing' is missing");
  EXPECT_EQ(ParseTyping(ParseObject(R"({"to":"bob","typing":1})").value()).error().message,
            "field 'typing' must be true or false");
  EXPECT_FALSE(ParseTyping(ParseObject(R"({"typing":true})").value()).has_value());
  EXPECT_EQ(ResolveCmd(ParseObject("{}").value(), 10).value(), Cmd::kTyping);
}

TEST(Packet, ResponsesEchoRequestIds) {
  auto req = ParseObject(R"({"req_id":7,"msg_id":"m9"})").value();
  auto ok = json::parse(OkResponse(Cmd::kChat, &req, {{"seq", 3}})).as_object();
  EXPECT_EQ(ok.at("cmd").as_int64(), 2);
  EXPECT_EQ(ok.at("code").as_int64(), 0);
  EXPECT_EQ(ok.at("req_id").as_int64(), 7);
  EXPECT_EQ(ok.at("msg_id").as_string(), "m9");
  EXPECT_EQ(ok.at("seq").as_int64(), 3);
  auto err = json::parse(ErrorResponse(3, base::MakeError(base::Code::kForbidden, "no"), &req))
                 .as_object();
  EXPECT_EQ(err.at("code").as_int64(), 403);
  EXPECT_EQ(err.at("error").as_string(), "no");
  EXPECT_EQ(err.at("req_id").as_int64(), 7);
}

TEST(Message, RoundTripsThroughJson) {
  Message m{"m1", "private_alice:bob", 4, "alice", "héllo \"quoted\"", 1, 1700000000123};
  auto back = ParseMessage(SerializeMessage(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, m);
  auto push = json::parse(PushBody(SerializeMessage(m))).as_object();
  EXPECT_EQ(push.at("cmd").as_int64(), 5);
  EXPECT_EQ(push.at("payload").at("seq").as_int64(), 4);
}

TEST(Message, JsonArrayOfJoinsSerializedMessages) {
  std::vector<std::string> items = {"{\"a\":1}", "{\"b\":2}"};
  EXPECT_EQ(JsonArrayOf(items.data(), items.size()), "[{\"a\":1},{\"b\":2}]");
  EXPECT_EQ(JsonArrayOf(nullptr, 0), "[]");
}

}  // namespace
}  // namespace parley::protocol
