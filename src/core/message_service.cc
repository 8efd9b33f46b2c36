#include "core/message_service.h"

#include <boost/json/array.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <string>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "base/ids.h"
#include "core/conversation_access.h"
#include "core/conversation_list.h"
#include "core/event_checks.h"
#include "core/media_messages.h"
#include "core/media_service.h"
#include "core/page_budget.h"
#include "protocol/commands.h"
#include "protocol/message.h"
#include "protocol/packet.h"
#include "protocol/requests.h"

namespace parley::core {
namespace json = boost::json;
using protocol::Cmd;

namespace {

// "2026-12-07T03:10:00Z" for a time in ms since the epoch.
std::string UtcTime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// A group member's CHAT: refused while it is muted, and for plain members of
// an announcement group. Checked on the group as ResolveConversation read it,
// before Append: a mute committed in between lets that one message through.
// Reactions are not sending: plain members of an announcement group react.
base::Result<void> CheckMaySend(const ConversationTarget& target, std::int64_t msg_type,
                                std::int64_t now) {
  if (!target.is_group) return {};
  if (target.muted_until > now) {
    const std::string until = target.muted_until == kMutedIndefinitely
                                  ? std::string("unmuted")
                                  : UtcTime(target.muted_until);
    return base::MakeError(base::Code::kForbidden, "muted until " + until);
  }
  if (target.send_policy == SendPolicy::kAdmins && target.role == GroupRole::kMember &&
      msg_type != protocol::kMsgTypeReaction) {
    return base::MakeError(base::Code::kForbidden, "only admins may send here");
  }
  return {};
}

// Whether a CHAT whose (sender, msg_id) is stored repeats that message. What
// events did to it since (an edit's content, a recall) does not count.
bool IsRetryOf(const protocol::Message& original, std::string_view conversation_id,
               const protocol::ChatRequest& chat) {
  const bool changed_since = original.edit_seq > 0 || original.recalled;
  return original.conversation_id == conversation_id && original.msg_type == chat.msg_type &&
         original.reply_to == chat.reply_to && original.target_seq == chat.target_seq &&
         original.remove == chat.remove && (changed_since || original.content == chat.content);
}

base::Error BadRequest(std::string message) {
  return base::MakeError(base::Code::kBadRequest, std::move(message));
}

// The seq of a page entry's JSON (a message or a hole marker); pages are
// small, so parsing the last entry of a page is cheaper than carrying seqs
// alongside every entry.
std::int64_t SeqOf(const std::string& entry_json) {
  auto parsed = protocol::ParseObject(entry_json);
  if (!parsed) return 0;
  auto seq = protocol::RequiredInt(*parsed, "seq");
  return seq ? *seq : 0;
}

// Drops the messages of a newest-first page below `first_seq`: what was said
// before the reader joined. Nothing older follows them.
void DropBefore(MessagePage& page, std::int64_t first_seq) {
  if (page.messages.empty() || SeqOf(page.messages.back()) >= first_seq) return;
  auto old = std::find_if(page.messages.begin(), page.messages.end(),
                          [first_seq](const std::string& m) { return SeqOf(m) < first_seq; });
  if (old == page.messages.end()) return;
  page.messages.erase(old, page.messages.end());
  page.has_more = false;
}

std::string PageResponse(Cmd cmd, const json::object& request, const MessagePage& page,
                         json::object fields) {
  fields["has_more"] = page.has_more;
  std::string body = protocol::OkResponse(cmd, &request, std::move(fields));
  protocol::AppendRawField(body, "payload",
                           protocol::JsonArrayOf(page.messages.data(), page.messages.size()));
  return body;
}

// Users known to be registered, per I/O thread: users are never deleted, so
// once FindUser found one the answer stands, and a CHAT to a known peer skips
// a store read and a record decode. Per thread (no lock shared by all
// threads), tagged with the service instance (tests make many), bounded by
// clearing: a miss costs one FindUser, never a wrong answer.
struct KnownUsers {
  std::uint64_t owner = 0;
  std::unordered_set<std::string> users;
};
constexpr std::size_t kMaxKnownUsers = 1 << 16;
std::atomic<std::uint64_t> next_service_tag{1};

KnownUsers& KnownUsersOf(std::uint64_t tag) {
  thread_local KnownUsers known;
  if (known.owner != tag) {
    known.owner = tag;
    known.users.clear();
  }
  return known;
}

}  // namespace

MessageService::MessageService(Store& store, Bus& bus, const base::Clock& clock,
                               base::Metrics& metrics, MessageOptions options)
    : store_(store),
      bus_(bus),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      tag_(next_service_tag.fetch_add(1, std::memory_order_relaxed)),
      receipts_(std::make_shared<ReceiptCoalescer>(
          options.receipt_interval, [&bus](const ReceiptEvent& event) {
            json::object body{
                {"cmd", static_cast<int>(Cmd::kAck)},
                {"code", 0},
                {"event", event.kind == protocol::AckKind::kRead ? "read" : "delivered"},
                {"conversation_id", event.conversation_id},
                {"user_id", event.user_id},
                {"seq", event.seq}};
            OutboundPacket packet{static_cast<std::uint16_t>(Cmd::kAck),
                                  std::make_shared<const std::string>(json::serialize(body))};
            bus.Publish(*event.recipients, packet, 0);
          })) {}

std::size_t MessageService::PageLimit(std::int64_t requested) const {
  if (requested <= 0) return options_.default_page;
  return std::min<std::size_t>(static_cast<std::size_t>(requested), options_.max_page);
}

asio::awaitable<base::Result<void>> MessageService::CheckPeersExist(
    const Caller& caller, const std::vector<std::string>& members) {
  if (!options_.require_registered_peer) co_return base::Result<void>{};
  for (const std::string& member : members) {
    if (member == caller.user_id) continue;
    if (KnownUsersOf(tag_).users.contains(member)) continue;
    auto peer = co_await store_.FindUser(member);
    if (peer) {
      // Looked up again: the coroutine may have resumed after another
      // service's request reset this thread's cache.
      KnownUsers& known = KnownUsersOf(tag_);
      if (known.users.size() >= kMaxKnownUsers) known.users.clear();
      known.users.insert(member);
      continue;
    }
    if (peer.error().code == base::Code::kNotFound) {
      co_return base::MakeError(base::Code::kNotFound, "no such user '" + member + "'");
    }
    co_return peer.error();
  }
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<std::string>> MessageService::Chat(const Caller& caller,
                                                                const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::ChatRequest chat, protocol::ParseChat(request));
  if (!base::IsValidMsgId(chat.msg_id)) {
    co_return BadRequest("msg_id must be 1-128 printable ASCII characters");
  }
  if (chat.content.size() > options_.max_content) {
    co_return base::MakeError(base::Code::kTooLarge,
                              "content exceeds " + std::to_string(options_.max_content) + " bytes");
  }
  const bool is_event = protocol::IsEvent(chat.msg_type);
  if ((chat.msg_type < 1 || chat.msg_type >= protocol::kMsgTypeSystem) && !is_event) {
    co_return BadRequest("msg_type must be between 1 and 99, or 101-103 (edit, recall, reaction)");
  }
  if (chat.reply_to < 0) co_return BadRequest("reply_to must be a seq (>= 1)");
  PARLEY_CO_RETURN_IF_ERROR(CheckEventFields(chat));

  PARLEY_CO_ASSIGN_OR_RETURN(std::string requested,
                             NamedConversation(caller, chat.conversation_id, chat.to));
  PARLEY_CO_ASSIGN_OR_RETURN(ConversationTarget target,
                             co_await ResolveConversation(store_, caller, requested));
  const std::int64_t now = clock_.NowMs();
  PARLEY_CO_RETURN_IF_ERROR(CheckMaySend(target, chat.msg_type, now));
  if (chat.reply_to > 0) {
    auto answered = co_await ReadTarget(target, chat.reply_to, TargetUse::kReply);
    if (!answered) co_return answered.error();
  }
  protocol::Message changed;  // an event's target, as the caller read it
  if (is_event) {
    PARLEY_CO_ASSIGN_OR_RETURN(changed,
                               co_await ReadTarget(target, chat.target_seq, TargetUse::kEvent));
    PARLEY_CO_RETURN_IF_ERROR(CheckEvent(chat, caller, target, changed, now, options_.windows));
  }
  std::string media;  // other types store none: a media field they carry is dropped
  if (IsMediaMsgType(chat.msg_type)) {
    PARLEY_CO_ASSIGN_OR_RETURN(media,
                               co_await AttachChatMedia(media_, caller, target.conversation_id,
                                                        chat.msg_id, chat.msg_type, request));
  }
  AppendRequest append;
  if (!target.is_group) {
    PARLEY_CO_RETURN_IF_ERROR(co_await CheckPeersExist(caller, *target.members));
    append.members = *target.members;
  }
  // A copy: `chat` keeps the content to tell a retry from a reuse of its msg_id.
  protocol::Message& m = append.message;
  m.msg_id = chat.msg_id;
  m.conversation_id = target.conversation_id;
  m.sender_id = caller.user_id;
  m.content = chat.content;
  m.msg_type = chat.msg_type;
  m.send_time = now;
  m.reply_to = chat.reply_to;
  append.outbox = options_.outbox == MessageOptions::Outbox::kAll ||
                  (options_.outbox == MessageOptions::Outbox::kUserMessages && !is_event);
  append.message.target_seq = chat.target_seq;
  append.message.remove = chat.remove;
  append.message.media = std::move(media);
  PARLEY_CO_ASSIGN_OR_RETURN(AppendResult stored, co_await store_.Append(std::move(append)));

  if (stored.duplicate) {
    // A retry: answer as the first time, push nothing new. A used msg_id
    // with anything else is a client bug that would otherwise look like a
    // message sent when none was.
    auto original = protocol::ParseMessage(*stored.message_json);
    if (!original || !IsRetryOf(*original, target.conversation_id, chat)) {
      co_return base::MakeError(base::Code::kConflict,
                                "msg_id '" + chat.msg_id +
                                    "' was already used for a different message; "
                                    "a retry must repeat the conversation and content");
    }
    base::Bump(metrics_.messages_duplicate_total);
  } else {
    base::Bump(metrics_.messages_stored_total);
    if (chat.msg_type == protocol::kMsgTypeRecall && !changed.media.empty()) {
      co_await ReleaseMedia(changed);
    }
    OutboundPacket push{
        static_cast<std::uint16_t>(Cmd::kPush),
        std::make_shared<const std::string>(protocol::PushBody(*stored.message_json))};
    bus_.Publish(*stored.recipients, push, caller.session_id);
  }
  co_return protocol::OkResponse(
      Cmd::kChat, &request, {{"conversation_id", target.conversation_id}, {"seq", stored.seq}});
}

asio::awaitable<void> MessageService::ReleaseMedia(const protocol::Message& recalled) {
  if (media_ == nullptr) co_return;
  auto media = protocol::ParseObject(recalled.media);
  auto media_id = media ? protocol::RequiredString(*media, "media_id")
                        : base::Result<std::string_view>(media.error());
  if (!media_id) co_return;
  std::string id(*media_id);
  media::Citation citation{recalled.conversation_id, recalled.sender_id, recalled.msg_id};
  auto released = co_await media_->Release(std::move(id), std::move(citation));
  // The recall stands either way; a citation left behind only keeps the
  // file readable by the conversation's members.
  if (!released) spdlog::warn("recall: media citation not released: {}", released.error().message);
}

asio::awaitable<base::Result<protocol::Message>> MessageService::ReadTarget(
    const ConversationTarget& target, std::int64_t seq, TargetUse use) {
  const char* field = use == TargetUse::kReply ? "reply_to" : "target_seq";
  auto refused = [&] {
    return BadRequest(std::string(field) + " " + std::to_string(seq) +
                      " is not a message of this conversation that you can read");
  };
  if (seq < target.first_readable_seq) co_return refused();
  PARLEY_CO_ASSIGN_OR_RETURN(MessagePage page,
                             co_await store_.ReadAfter(target.conversation_id, seq - 1, 1));
  if (page.messages.empty()) co_return refused();
  auto entry = protocol::ParseObject(page.messages.front());
  if (!entry || protocol::IsHoleMarker(*entry)) co_return refused();
  auto message = protocol::MessageFromJson(*entry);
  if (!message || message->seq != seq) co_return refused();
  // Nobody answers an event; events change users' messages only.
  const bool refused_type = use == TargetUse::kReply ? protocol::IsEvent(message->msg_type)
                                                     : message->msg_type >= protocol::kMsgTypeSystem;
  if (refused_type) co_return refused();
  co_return std::move(*message);
}

asio::awaitable<base::Result<std::string>> MessageService::Pull(const Caller& caller,
                                                                const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::PullRequest pull, protocol::ParsePull(request));
  if (pull.cursor_seq < 0) co_return BadRequest("cursor_seq must not be negative");
  PARLEY_CO_ASSIGN_OR_RETURN(ConversationTarget target,
                             co_await ResolveConversation(store_, caller, pull.conversation_id));
  // A member reads nothing before target.first_readable_seq: a cursor before
  // it starts there.
  const std::int64_t after = std::max(pull.cursor_seq, target.first_readable_seq - 1);
  PARLEY_CO_ASSIGN_OR_RETURN(
      MessagePage page,
      co_await store_.ReadAfter(target.conversation_id, after, PageLimit(pull.limit)));
  TrimToBudget(page.messages, page.has_more, [](const auto& m) { return m.size(); });
  const std::int64_t next = page.messages.empty() ? after : SeqOf(page.messages.back());
  co_return PageResponse(Cmd::kPull, request, page,
                         {{"conversation_id", target.conversation_id}, {"next_cursor_seq", next}});
}

asio::awaitable<base::Result<std::string>> MessageService::History(const Caller& caller,
                                                                   const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::HistoryRequest history, protocol::ParseHistory(request));
  PARLEY_CO_ASSIGN_OR_RETURN(
      ConversationTarget target,
      co_await ResolveConversation(store_, caller, history.conversation_id));
  const std::int64_t first = target.first_readable_seq;
  if (first > 1 && history.before_seq > 0 && history.before_seq <= first) {
    co_return PageResponse(Cmd::kHistory, request, MessagePage{},
                           {{"conversation_id", target.conversation_id}, {"next_before_seq", 0}});
  }
  PARLEY_CO_ASSIGN_OR_RETURN(MessagePage page,
                             co_await store_.ReadBefore(target.conversation_id, history.before_seq,
                                                        PageLimit(history.limit)));
  if (first > 1) DropBefore(page, first);
  TrimToBudget(page.messages, page.has_more, [](const auto& m) { return m.size(); });
  const std::int64_t next = page.messages.empty() ? 0 : SeqOf(page.messages.back());
  co_return PageResponse(Cmd::kHistory, request, page,
                         {{"conversation_id", target.conversation_id}, {"next_before_seq", next}});
}

asio::awaitable<base::Result<std::string>> MessageService::Ack(const Caller& caller,
                                                               const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::AckRequest ack, protocol::ParseAck(request));
  if (ack.seq < 0) co_return BadRequest("seq must not be negative");
  PARLEY_CO_ASSIGN_OR_RETURN(ConversationTarget target,
                             co_await ResolveConversation(store_, caller, ack.conversation_id));
  PARLEY_CO_ASSIGN_OR_RETURN(std::int64_t max_seq, co_await store_.MaxSeq(target.conversation_id));
  if (ack.seq > max_seq) {
    co_return BadRequest("seq " + std::to_string(ack.seq) + " is beyond the conversation's last (" +
                         std::to_string(max_seq) + ")");
  }
  const auto executor = co_await asio::this_coro::executor;
  if (ack.kind == protocol::AckKind::kDelivered) {
    PARLEY_CO_ASSIGN_OR_RETURN(
        std::int64_t position,
        co_await store_.AckDelivered(caller.user_id, target.conversation_id, ack.seq));
    AnnounceReceipt(caller, target, ack.kind, position, executor);
    co_return protocol::OkResponse(
        Cmd::kAck, &request,
        {{"conversation_id", target.conversation_id}, {"last_delivered_seq", position}});
  }
  PARLEY_CO_ASSIGN_OR_RETURN(
      std::int64_t position,
      co_await store_.Ack(caller.user_id, target.conversation_id, ack.seq));
  // The user's other devices learn of it, so their unread counts agree.
  json::object notice{{"cmd", static_cast<int>(Cmd::kAck)},
                      {"code", 0},
                      {"event", "ack"},
                      {"conversation_id", target.conversation_id},
                      {"last_ack_seq", position}};
  OutboundPacket packet{static_cast<std::uint16_t>(Cmd::kAck),
                        std::make_shared<const std::string>(json::serialize(notice))};
  bus_.Publish(std::span<const std::string>(&caller.user_id, 1), packet, caller.session_id);
  AnnounceReceipt(caller, target, ack.kind, position, executor);
  co_return protocol::OkResponse(
      Cmd::kAck, &request,
      {{"conversation_id", target.conversation_id}, {"last_ack_seq", position}});
}

void MessageService::AnnounceReceipt(const Caller& caller, const ConversationTarget& target,
                                     protocol::AckKind kind, std::int64_t seq,
                                     const asio::any_io_executor& executor) {
  if (!target.HasLiveEvents(options_.fanout_threshold)) return;
  auto others = std::make_shared<std::vector<std::string>>();
  others->reserve(target.members->size());
  for (const std::string& member : *target.members) {
    if (member != caller.user_id) others->push_back(member);
  }
  if (others->empty()) return;  // a conversation with oneself
  receipts_->Offer(executor,
                   ReceiptEvent{target.conversation_id, caller.user_id, kind, seq, std::move(others)});
}

asio::awaitable<base::Result<std::string>> MessageService::Receipts(const Caller& caller,
                                                                    const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::ReceiptsRequest receipts_request,
                             protocol::ParseReceipts(request));
  PARLEY_CO_ASSIGN_OR_RETURN(
      ConversationTarget target,
      co_await ResolveConversation(store_, caller, receipts_request.conversation_id));
  if (!target.HasLiveEvents(options_.fanout_threshold)) {
    co_return BadRequest("receipts are kept for groups of at most " +
                         std::to_string(options_.fanout_threshold) + " members");
  }
  std::vector<std::string> members(target.members->begin(), target.members->end());
  PARLEY_CO_ASSIGN_OR_RETURN(
      std::vector<ReceiptPositions> positions,
      co_await store_.ReadReceipts(target.conversation_id, std::move(members)));
  json::array list;
  list.reserve(positions.size());
  for (const ReceiptPositions& p : positions) {
    // What was read was received, whichever ACK said so.
    list.push_back(json::object{{"user_id", p.user_id},
                                {"read_seq", p.read_seq},
                                {"delivered_seq", std::max(p.delivered_seq, p.read_seq)}});
  }
  co_return protocol::OkResponse(
      Cmd::kReceipts, &request,
      {{"conversation_id", target.conversation_id}, {"receipts", std::move(list)}});
}

asio::awaitable<base::Result<std::string>> MessageService::Conversations(
    const Caller& caller, const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::ConversationsRequest page_request,
                             protocol::ParseConversations(request));
  std::optional<ListCursor> cursor;
  if (!page_request.cursor.empty()) {
    cursor = DecodeCursor(page_request.cursor);
    if (!cursor) co_return BadRequest("malformed cursor");
  }
  PARLEY_CO_ASSIGN_OR_RETURN(std::vector<ConversationState> states,
                             co_await store_.ListConversations(caller.user_id));
  const std::vector<ListedConversation> sorted = ByRecency(std::move(states));
  const std::size_t first = cursor ? FirstAfter(sorted, *cursor) : 0;
  const std::size_t end = std::min(sorted.size(), first + PageLimit(page_request.limit));
  std::vector<const ListedConversation*> page;
  for (std::size_t i = first; i < end; ++i) page.push_back(&sorted[i]);
  bool has_more = end < sorted.size();
  // A last message may be up to --max-content bytes: bounded like a page of messages.
  TrimToBudget(page, has_more,
               [](const auto* item) { return item->state.last_message_json.size(); });

  json::array list;
  list.reserve(page.size());
  for (const ListedConversation* item : page) list.push_back(SummaryJson(*item));
  json::object fields{{"conversations", std::move(list)}, {"has_more", has_more}};
  fields["next_cursor"] = page.empty() ? page_request.cursor : EncodeCursor(*page.back());
  co_return protocol::OkResponse(Cmd::kConversations, &request, std::move(fields));
}

}  // namespace parley::core
