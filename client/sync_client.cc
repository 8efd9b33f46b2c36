#include "client/sync_client.h"

#include <boost/asio/executor_work_guard.hpp>

#include <future>
#include <memory>

namespace parley::client {
namespace json = boost::json;
namespace {
// Beyond the client's own deadlines: only reached if the I/O thread is stuck.
constexpr std::chrono::seconds kWaitMargin{5};
}  // namespace

SyncClient::SyncClient(ClientOptions options)
    : options_(options), client_(io_.get_executor(), std::move(options)) {
  thread_ = std::thread([this] {
    auto work = asio::make_work_guard(io_);
    io_.run();
  });
}

SyncClient::~SyncClient() {
  client_.Close();
  // Close ends every loop and timer of the client; stopping right after it
  // (posted behind it, so it runs first) also ends the work guard.
  asio::post(io_, [this] { io_.stop(); });
  thread_.join();
}

template <class T, class Start>
base::Result<T> SyncClient::Wait(Start start, std::optional<std::chrono::milliseconds> limit) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    return base::MakeError(base::Code::kInternal,
                           "blocking client call from the client's own thread");
  }
  // Shared: if the wait gives up, the late answer still has a promise to fill.
  auto promise = std::make_shared<std::promise<base::Result<T>>>();
  std::future<base::Result<T>> answer = promise->get_future();
  start([promise](base::Result<T> result) { promise->set_value(std::move(result)); });
  auto bound = limit.value_or(std::max(options_.request_timeout, options_.connect_timeout));
  if (answer.wait_for(bound + kWaitMargin) != std::future_status::ready) {
    return base::MakeError(base::Code::kUnavailable, "client thread not responding");
  }
  return answer.get();
}

void SyncClient::SetPushHandler(Client::PushHandler handler) {
  client_.SetPushHandler(std::move(handler));
}

void SyncClient::SetStateHandler(Client::StateHandler handler) {
  client_.SetStateHandler(std::move(handler));
}

void SyncClient::SetAckHandler(Client::AckHandler handler) {
  client_.SetAckHandler(std::move(handler));
}

void SyncClient::SetReceiptHandler(Client::ReceiptHandler handler) {
  client_.SetReceiptHandler(std::move(handler));
}

void SyncClient::SetTypingHandler(Client::TypingHandler handler) {
  client_.SetTypingHandler(std::move(handler));
}

base::Result<LoginReply> SyncClient::Login(std::string_view user_id, std::string_view password) {
  return Wait<LoginReply>([&](auto done) {
    client_.Start(Credentials{std::string(user_id), std::string(password), {}}, std::move(done));
  });
}

base::Result<LoginReply> SyncClient::LoginWithToken(std::string_view token) {
  return Wait<LoginReply>([&](auto done) {
    client_.Start(Credentials{{}, {}, std::string(token)}, std::move(done));
  });
}

base::Result<SendAck> SyncClient::Send(Outgoing message) {
  return Wait<SendAck>([&](auto done) { client_.Send(std::move(message), std::move(done)); });
}

base::Result<SendAck> SyncClient::SendTo(std::string_view user_id, std::string_view content) {
  Outgoing m;
  m.to = user_id;
  m.content = content;
  return Send(std::move(m));
}

base::Result<SendAck> SyncClient::SendToConversation(std::string_view conversation_id,
                                                     std::string_view content) {
  Outgoing m;
  m.conversation_id = conversation_id;
  m.content = content;
  return Send(std::move(m));
}

base::Result<json::object> SyncClient::Request(json::object body) {
  return Wait<json::object>(
      [&](auto done) { client_.Request(std::move(body), std::move(done)); });
}

base::Result<PullPage> SyncClient::Pull(std::string_view conversation_id, std::int64_t cursor_seq,
                                        std::int64_t limit) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(PullBody(conversation_id, cursor_seq, limit)));
  return ParsePullPage(answer);
}

base::Result<std::vector<protocol::Message>> SyncClient::History(std::string_view conversation_id,
                                                                 std::int64_t before_seq,
                                                                 std::int64_t limit) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(HistoryBody(conversation_id, before_seq, limit)));
  return ParseHistory(answer);
}

base::Result<void> SyncClient::Ack(std::string_view conversation_id, std::int64_t seq) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(AckBody(conversation_id, seq)));
  return {};
}

base::Result<void> SyncClient::AckDelivered(std::string_view conversation_id, std::int64_t seq) {
  PARLEY_ASSIGN_OR_RETURN(
      auto answer, Request(AckBody(conversation_id, seq, protocol::AckKind::kDelivered)));
  return {};
}

base::Result<std::vector<MemberReceipt>> SyncClient::Receipts(std::string_view conversation_id) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(ReceiptsBody(conversation_id)));
  return ParseReceipts(answer);
}

base::Result<void> SyncClient::Typing(std::string_view conversation_id,
                                      protocol::TypingState state) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(TypingBody(conversation_id, state)));
  return {};
}

base::Result<std::vector<ConversationInfo>> SyncClient::Conversations() {
  std::vector<ConversationInfo> all;
  std::string cursor;
  // Bounded: a server that never ends the listing cannot keep us here.
  for (int page_count = 0; page_count < kMaxConversationPages; ++page_count) {
    PARLEY_ASSIGN_OR_RETURN(auto answer, Request(ConversationsBody(cursor, kConversationPage)));
    PARLEY_ASSIGN_OR_RETURN(ConversationPage page, ParseConversationPage(answer));
    all.insert(all.end(), std::make_move_iterator(page.conversations.begin()),
               std::make_move_iterator(page.conversations.end()));
    if (!page.has_more || page.next_cursor == cursor) return all;
    cursor = std::move(page.next_cursor);
  }
  return all;
}

base::Result<GroupReply> SyncClient::GroupRequest(json::object body) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(std::move(body)));
  return ParseGroupReply(answer);
}

base::Result<GroupReply> SyncClient::GroupCreate(std::string_view name,
                                                 const std::vector<std::string>& members,
                                                 std::string_view group_id) {
  return GroupRequest(GroupCreateBody(name, members, group_id));
}

base::Result<GroupReply> SyncClient::GroupJoin(std::string_view group_id) {
  return GroupRequest(GroupBody("join", group_id));
}

base::Result<GroupReply> SyncClient::GroupLeave(std::string_view group_id) {
  return GroupRequest(GroupBody("leave", group_id));
}

base::Result<GroupReply> SyncClient::GroupInvite(std::string_view group_id,
                                                 const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("invite", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupKick(std::string_view group_id,
                                               const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("kick", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupUnban(std::string_view group_id,
                                                const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("unban", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupPromote(std::string_view group_id,
                                                  const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("promote", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupDemote(std::string_view group_id,
                                                 const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("demote", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupTransfer(std::string_view group_id,
                                                   std::string_view to) {
  return GroupRequest(GroupTransferBody(group_id, to));
}

base::Result<GroupReply> SyncClient::GroupMute(std::string_view group_id,
                                               const std::vector<std::string>& members,
                                               std::int64_t until) {
  return GroupRequest(GroupMuteBody(group_id, members, until));
}

base::Result<GroupReply> SyncClient::GroupUnmute(std::string_view group_id,
                                                 const std::vector<std::string>& members) {
  return GroupRequest(GroupMembersBody("unmute", group_id, members));
}

base::Result<GroupReply> SyncClient::GroupSettings(
    std::string_view group_id, const std::vector<std::pair<std::string, std::string>>& settings) {
  json::object body = GroupBody("settings", group_id);
  for (const auto& [name, value] : settings) {
    // only_admins_send is a JSON bool; the other settings are strings.
    if (value == "true" || value == "false") {
      body[name] = value == "true";
    } else {
      body[name] = value;
    }
  }
  return GroupRequest(std::move(body));
}

base::Result<GroupMembersInfo> SyncClient::GroupMembers(std::string_view group_id) {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(GroupBody("members", group_id)));
  return ParseGroupMembers(answer);
}

base::Result<std::vector<GroupSummary>> SyncClient::MyGroups() {
  PARLEY_ASSIGN_OR_RETURN(auto answer, Request(GroupMineBody()));
  return ParseMyGroups(answer);
}

base::Result<void> SyncClient::Sync() {
  return Wait<void>([&](auto done) { client_.Sync(std::move(done)); }, options_.sync_timeout);
}

std::optional<std::int64_t> SyncClient::Delivered(std::string_view conversation_id) {
  auto delivered = Wait<std::optional<std::int64_t>>([&](auto done) {
    client_.Delivered(std::string(conversation_id), std::move(done));
  });
  return delivered ? *delivered : std::nullopt;
}

void SyncClient::SetCursor(std::string_view conversation_id, std::int64_t delivered_seq) {
  client_.SetCursor(std::string(conversation_id), delivered_seq);
}

void SyncClient::Catchup(std::string_view conversation_id, std::int64_t from_seq) {
  client_.Catchup(std::string(conversation_id), from_seq);
}

}  // namespace parley::client
