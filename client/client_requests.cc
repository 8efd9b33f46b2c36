// Requests and delivery of the Client: req_id matching, deadlines, resending
// after reconnect, and pushes through the DeliveryTracker.

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "client/client.h"
#include "client/msg_id.h"

namespace parley::client {
namespace json = boost::json;
namespace {

// Commands whose repetition changes nothing: safe to send again when the
// connection dropped before the answer. CHAT qualifies through its msg_id.
bool Idempotent(std::uint16_t cmd, const json::object& body) {
  switch (static_cast<protocol::Cmd>(cmd)) {
    case protocol::Cmd::kChat:
      return body.contains("msg_id");
    case protocol::Cmd::kHeartbeat:
    case protocol::Cmd::kPull:
    case protocol::Cmd::kAck:
    case protocol::Cmd::kSync:
    case protocol::Cmd::kHistory:
    case protocol::Cmd::kConversations:
      return true;
    default:
      return false;
  }
}

}  // namespace

void Client::Request(json::object body, ResponseHandler done) {
  asio::post(strand_, [this, body = std::move(body), done = std::move(done)]() mutable {
    StartRequest(std::move(body), std::move(done));
  });
}

void Client::Send(Outgoing message, SendHandler done) {
  asio::post(strand_, [this, message = std::move(message), done = std::move(done)]() mutable {
    if (message.msg_id.empty()) message.msg_id = NewMsgId();
    json::object body = ChatBody(message);
    StartRequest(std::move(body), [this, message = std::move(message),
                                   done = std::move(done)](base::Result<json::object> answer) {
      if (!answer) return done(answer.error());
      auto ack = ParseSendAck(*answer);
      if (!ack) return done(ack.error());
      // Our own message joins the timeline, so its push (or a later PULL) is
      // not handed back to the application as news.
      protocol::Message sent{ack->msg_id,          ack->conversation_id, ack->seq,
                             credentials_.user_id, message.content,      message.msg_type, 0};
      Apply(tracker_.OnSent(std::move(sent)));
      done(std::move(*ack));
    });
  });
}

void Client::SendTyping(std::string conversation_id, protocol::TypingState state) {
  asio::post(strand_, [this, id = std::move(conversation_id), state] {
    // The write queue is otherwise bounded by the pending requests, which
    // typing does not join: a stuck connection must not pile them up.
    if (!online_ || write_queue_.size() >= options_.max_pending_requests) return;
    Enqueue(static_cast<std::uint16_t>(protocol::Cmd::kTyping),
            json::serialize(TypingBody(id, state)));
  });
}

void Client::SetCursor(std::string conversation_id, std::int64_t delivered_seq) {
  asio::post(strand_, [this, id = std::move(conversation_id), delivered_seq] {
    Apply(tracker_.SetCursor(id, delivered_seq));
  });
}

void Client::Catchup(std::string conversation_id, std::int64_t from_seq) {
  asio::post(strand_, [this, id = std::move(conversation_id), from_seq] {
    Apply(tracker_.Catchup(id, from_seq));
  });
}

void Client::StartRequest(json::object body, ResponseHandler done) {
  if (phase_ == Phase::kClosed) {
    return done(base::MakeError(base::Code::kUnavailable, "client closed"));
  }
  if (pending_.size() >= options_.max_pending_requests) {
    return done(base::MakeError(base::Code::kRateLimited, "too many requests in flight"));
  }
  const json::value* cmd_value = body.if_contains("cmd");
  if (cmd_value == nullptr || !cmd_value->is_int64() || cmd_value->as_int64() < 0 ||
      cmd_value->as_int64() > protocol::kMaxCmd) {
    return done(base::MakeError(base::Code::kBadRequest, "request needs a valid \"cmd\""));
  }
  // Read before adding "req_id": inserting may move the object's storage.
  auto cmd = static_cast<std::uint16_t>(cmd_value->as_int64());
  std::int64_t req_id = next_req_id_++;
  body["req_id"] = req_id;
  PendingRequest request;
  request.cmd = cmd;
  request.resend_after_reconnect = Idempotent(request.cmd, body);
  request.body = std::move(body);
  request.done = std::move(done);
  request.deadline = std::make_unique<asio::steady_timer>(strand_, options_.request_timeout);
  request.deadline->async_wait([this, req_id](boost::system::error_code ec) {
    if (!ec) Complete(req_id, base::MakeError(base::Code::kUnavailable, "request timed out"));
  });
  auto [it, inserted] = pending_.emplace(req_id, std::move(request));
  if (online_) Transmit(it->second);
}

void Client::Transmit(PendingRequest& request) {
  request.sent_on = generation_;
  Enqueue(request.cmd, json::serialize(request.body));
}

// The queue holds at most one entry per pending request (bounded by
// max_pending_requests) plus a heartbeat per interval, and is cleared when the
// connection drops.
void Client::Enqueue(std::uint16_t cmd, std::string body) {
  write_queue_.emplace_back(cmd, std::move(body));
  write_signal_.cancel();
}

void Client::Complete(std::int64_t req_id, base::Result<json::object> result) {
  auto node = pending_.extract(req_id);
  if (node.empty()) return;  // answered, timed out or failed already
  node.mapped().done(std::move(result));
}

void Client::OnPacket(Inbound packet) {
  if (auto req_id = ReqIdOf(packet.body); req_id && pending_.contains(*req_id)) {
    if (auto error = ErrorOf(packet.body)) return Complete(*req_id, std::move(*error));
    return Complete(*req_id, std::move(packet.body));
  }
  if (packet.cmd == static_cast<std::uint16_t>(protocol::Cmd::kAck)) {
    if (auto notice = ParseAckNotice(packet.body)) {
      if (ack_handler_) ack_handler_(notice->conversation_id, notice->last_ack_seq);
    } else if (auto receipt = ParseReceiptNotice(packet.body)) {
      if (receipt_handler_) receipt_handler_(*receipt);
    }
    return;
  }
  if (packet.cmd == static_cast<std::uint16_t>(protocol::Cmd::kTyping)) {
    // An event, or the error answer to a SendTyping (no req_id): ignored.
    auto event = protocol::ParseTypingEvent(packet.body);
    if (event && typing_handler_) typing_handler_(*event);
    return;
  }
  if (packet.cmd != static_cast<std::uint16_t>(protocol::Cmd::kPush)) return;  // other notices
  auto message = ParsePush(packet.body);
  if (message) Apply(tracker_.OnPush(std::move(*message)));
}

void Client::Apply(DeliveryStep step) {
  for (const protocol::Message& m : step.deliver) {
    if (push_handler_) push_handler_(m);
  }
  if (step.pull) IssuePull(*step.pull);
}

// A catch-up may open a PULL chain for each of thousands of conversations;
// the limit keeps them within max_pending_requests and spreads the load.
void Client::IssuePull(PullCursor cursor) {
  if (pulls_in_flight_ >= options_.max_concurrent_pulls) {
    pull_backlog_.push_back(std::move(cursor));
    return;
  }
  ++pulls_in_flight_;
  StartRequest(PullBody(cursor.conversation_id, cursor.cursor_seq, options_.pull_limit),
               [this, id = cursor.conversation_id](base::Result<json::object> answer) {
                 --pulls_in_flight_;
                 base::Result<PullPage> page =
                     answer ? ParsePullPage(*answer) : base::Result<PullPage>(answer.error());
                 if (page) {
                   Apply(tracker_.OnPullPage(id, std::move(page->messages), page->holes,
                                             page->next_cursor_seq, page->has_more));
                 } else {
                   tracker_.OnPullFailed(id);
                   if (!catchup_error_) catchup_error_ = page.error();
                 }
                 IssueBacklog();
                 MaybeFinishSync();
               });
}

void Client::IssueBacklog() {
  // A PULL can fail at once (429, closed) and land back here from inside the
  // loop; the flag keeps that from recursing once per backlog entry.
  if (issuing_backlog_) return;
  issuing_backlog_ = true;
  while (phase_ != Phase::kClosed && pulls_in_flight_ < options_.max_concurrent_pulls &&
         !pull_backlog_.empty()) {
    PullCursor next = std::move(pull_backlog_.front());
    pull_backlog_.pop_front();
    IssuePull(std::move(next));
  }
  issuing_backlog_ = false;
}

}  // namespace parley::client
