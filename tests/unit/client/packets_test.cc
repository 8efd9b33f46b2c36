#include "client/packets.h"

#include <gtest/gtest.h>

#include "client/endpoint.h"
#include "client/msg_id.h"
#include "protocol/packet.h"

namespace parley::client {
namespace {

boost::json::object Parse(std::string_view text) { return *protocol::ParseObject(text); }

TEST(PacketsTest, ChatBodyUsesToOrConversation) {
  Outgoing m;
  m.to = "bob";
  m.content = "hi";
  m.msg_id = "x";
  auto body = ChatBody(m);
  EXPECT_EQ(body.at("cmd").as_int64(), 2);
  EXPECT_EQ(body.at("to").as_string(), "bob");
  EXPECT_FALSE(body.contains("conversation_id"));
  EXPECT_EQ(body.at("payload").at("content").as_string(), "hi");
  m.conversation_id = "group_g";
  EXPECT_EQ(ChatBody(m).at("conversation_id").as_string(), "group_g");
}

TEST(PacketsTest, ErrorOfReadsCodeAndText) {
  EXPECT_FALSE(ErrorOf(Parse(R"({"cmd":2,"code":0})")));
  auto error = ErrorOf(Parse(R"({"cmd":2,"code":403,"error":"not a member"})"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, base::Code::kForbidden);
  EXPECT_EQ(error->message, "not a member");
}

TEST(PacketsTest, ParsesPullPageAndConversations) {
  auto page = ParsePullPage(Parse(
      R"({"cmd":3,"code":0,"payload":[{"msg_id":"m","conversation_id":"c","seq":4,
          "sender_id":"a","content":"x","msg_type":1,"send_time":5}],
          "next_cursor_seq":4,"has_more":true})"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].seq, 4);
  EXPECT_TRUE(page->has_more);

  auto list = ParseConversationPage(Parse(
      R"({"conversations":[{"conversation_id":"c","max_seq":3,"last_ack_seq":1,"unread":2,
          "last_message":null}]})"));
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->conversations[0].unread, 2);
  EXPECT_FALSE(list->conversations[0].last_message);
  EXPECT_FALSE(list->has_more) << "an older server answers everything at once";

  auto paged = ParseConversationPage(
      Parse(R"({"conversations":[],"has_more":true,"next_cursor":"5:c"})"));
  ASSERT_TRUE(paged);
  EXPECT_TRUE(paged->has_more);
  EXPECT_EQ(paged->next_cursor, "5:c");
  EXPECT_FALSE(ParseConversationPage(Parse(R"({"conversations":[],"has_more":true})")))
      << "more without a cursor to get it";

  EXPECT_FALSE(ParsePullPage(Parse(R"({"payload":{}})")));
}

TEST(PacketsTest, ParsesSyncPages) {
  EXPECT_EQ(SyncBody(7, 50, std::nullopt).at("cmd").as_int64(), 6);
  EXPECT_EQ(SyncBody(7, 50, std::nullopt).at("inbox_seq").as_int64(), 7);
  EXPECT_FALSE(SyncBody(7, 50, std::nullopt).contains("groups_since"));
  EXPECT_EQ(SyncBody(7, 50, 1234).at("groups_since").as_int64(), 1234);
  auto page = ParseSyncPage(Parse(
      R"({"cmd":6,"code":0,"payload":[{"inbox_seq":8,"message":{"msg_id":"m",
          "conversation_id":"c","seq":2,"sender_id":"a","content":"x","msg_type":1,
          "send_time":5}}],"next_inbox_seq":8,"has_more":true,"expired":false,
          "conversations":[{"conversation_id":"group_g","max_seq":9,"last_ack_seq":4,
          "unread":5}]})"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].inbox_seq, 8);
  EXPECT_EQ(page->entries[0].message.seq, 2);
  EXPECT_EQ(page->next_inbox_seq, 8);
  EXPECT_TRUE(page->has_more);
  EXPECT_FALSE(page->expired);
  ASSERT_EQ(page->conversations.size(), 1u);
  EXPECT_EQ(page->conversations[0].max_seq, 9);

  auto expired = ParseSyncPage(
      Parse(R"({"payload":[],"next_inbox_seq":40,"has_more":false,"expired":true})"));
  ASSERT_TRUE(expired) << expired.error().message;
  EXPECT_TRUE(expired->expired);
  EXPECT_TRUE(expired->conversations.empty());

  EXPECT_FALSE(ParseSyncPage(Parse(R"({"payload":[{"inbox_seq":1}],"next_inbox_seq":1,
                                       "has_more":false})")));
  EXPECT_FALSE(ParseSyncPage(Parse(R"({"payload":[],"has_more":false})")));
}

TEST(PacketsTest, RecognisesAckNotices) {
  auto notice = ParseAckNotice(
      Parse(R"({"cmd":4,"code":0,"event":"ack","conversation_id":"c","last_ack_seq":3})"));
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->conversation_id, "c");
  EXPECT_EQ(notice->last_ack_seq, 3);
  EXPECT_FALSE(ParseAckNotice(Parse(R"({"cmd":4,"code":0,"req_id":5})")));
  EXPECT_FALSE(ParseAckNotice(Parse(R"({"cmd":4,"event":"ack","conversation_id":"c"})")));
}

TEST(PacketsTest, TypingBodyAndEvents) {
  auto body = TypingBody("group_g", protocol::TypingState::kTyping);
  EXPECT_EQ(body.at("cmd").as_int64(), 10);
  EXPECT_EQ(body.at("conversation_id").as_string(), "group_g");
  EXPECT_EQ(body.at("typing").as_bool(), true);
  EXPECT_FALSE(body.contains("req_id"));
  EXPECT_EQ(TypingBody("c", protocol::TypingState::kStopped).at("typing").as_bool(), false);

  const protocol::TypingEvent event{"group_g", "bob", protocol::TypingState::kStopped};
  EXPECT_EQ(protocol::ParseTypingEvent(Parse(protocol::TypingEventBody(event))), event);
  EXPECT_EQ(protocol::TypingEventBody(event),
            R"({"cmd":10,"event":"typing","conversation_id":"group_g","user_id":"bob",)"
            R"("typing":false})");
  // Answers and errors of a TYPING request are not events.
  EXPECT_FALSE(protocol::ParseTypingEvent(Parse(R"({"cmd":10,"code":0,"req_id":5})")));
  EXPECT_FALSE(protocol::ParseTypingEvent(Parse(R"({"cmd":10,"code":403,"error":"no"})")));
  EXPECT_FALSE(protocol::ParseTypingEvent(
      Parse(R"({"cmd":10,"event":"typing","conversation_id":"c","user_id":"u","typing":1})")));
}

TEST(PacketsTest, EndpointAndMsgId) {
  auto e = ParseEndpoint("127.0.0.1:8090");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 8090);
  EXPECT_FALSE(ParseEndpoint("localhost"));
  EXPECT_FALSE(ParseEndpoint("h:0"));
  EXPECT_FALSE(ParseEndpoint("h:99999"));
  EXPECT_NE(NewMsgId(), NewMsgId());
  EXPECT_EQ(NewMsgId().size(), 32u);
}

}  // namespace
}  // namespace parley::client
