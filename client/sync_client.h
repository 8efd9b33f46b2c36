#pragma once
// Blocking facade over Client for the CLI and tests: owns an io_context and
// the one thread that runs it; each method waits for its answer.
//
// Thread contract: methods may be called from any thread except the client's
// own (inside a push or state handler they return 500 instead of deadlocking).
// Every wait is bounded by the request (or connect) timeout.

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/group_packets.h"

namespace parley::client {

class SyncClient {
 public:
  explicit SyncClient(ClientOptions options);
  ~SyncClient();  // closes the session and joins the thread
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  // Handlers run on the client's thread; set them before logging in.
  void SetPushHandler(Client::PushHandler handler);
  void SetStateHandler(Client::StateHandler handler);
  void SetAckHandler(Client::AckHandler handler);
  void SetReceiptHandler(Client::ReceiptHandler handler);
  void SetTypingHandler(Client::TypingHandler handler);

  // LOGIN with a password (may be retried after a failure, e.g. once the
  // user is registered) or with a token.
  base::Result<LoginReply> Login(std::string_view user_id, std::string_view password);
  base::Result<LoginReply> LoginWithToken(std::string_view token);

  // CHAT to a user (`to`) or a conversation; returns the server's ack. Reusing
  // a msg_id makes a retry idempotent.
  base::Result<SendAck> Send(Outgoing message);
  base::Result<SendAck> SendTo(std::string_view user_id, std::string_view content);
  base::Result<SendAck> SendToConversation(std::string_view conversation_id,
                                           std::string_view content);

  base::Result<PullPage> Pull(std::string_view conversation_id, std::int64_t cursor_seq,
                              std::int64_t limit);
  // Newest first; before_seq 0 means from the newest message.
  base::Result<std::vector<protocol::Message>> History(std::string_view conversation_id,
                                                       std::int64_t before_seq,
                                                       std::int64_t limit);
  // A read ACK (clears unread); AckDelivered says the device received up to
  // `seq` (docs/protocol.md "Receipts").
  base::Result<void> Ack(std::string_view conversation_id, std::int64_t seq);
  base::Result<void> AckDelivered(std::string_view conversation_id, std::int64_t seq);
  // Every member's read and delivered positions.
  base::Result<std::vector<MemberReceipt>> Receipts(std::string_view conversation_id);
  // TYPING with an answer (docs/protocol.md "TYPING"): OK once the server
  // checked it, whether or not it forwarded it (throttle, big group); 400,
  // 403 not a member, 404 no such group. Not resent after a reconnect. To
  // send one per keystroke without answers: Async().SendTyping.
  base::Result<void> Typing(std::string_view conversation_id, protocol::TypingState state);
  base::Result<std::vector<ConversationInfo>> Conversations();
  // Any request (the body carries "cmd"); the answer when its code is 0.
  base::Result<boost::json::object> Request(boost::json::object body);

  // GROUP. Not resent after a reconnect (not idempotent): a dropped
  // connection fails them with 503. Server errors: 400, 403 (not a member /
  // not the owner), 404 (no such group), 409 (exists / already a member).
  // An empty `group_id` lets the server choose one.
  base::Result<GroupReply> GroupCreate(std::string_view name,
                                       const std::vector<std::string>& members,
                                       std::string_view group_id = {});
  base::Result<GroupReply> GroupJoin(std::string_view group_id);
  base::Result<GroupReply> GroupLeave(std::string_view group_id);
  base::Result<GroupReply> GroupInvite(std::string_view group_id,
                                       const std::vector<std::string>& members);
  base::Result<GroupReply> GroupKick(std::string_view group_id,
                                     const std::vector<std::string>& members);
  base::Result<GroupReply> GroupUnban(std::string_view group_id,
                                      const std::vector<std::string>& members);
  // Roles (docs/protocol.md "GROUP"): promote, demote and transfer are the
  // owner's; mute (`until` ms since the epoch, 0: until unmuted) and unmute
  // the owner's and admins'.
  base::Result<GroupReply> GroupPromote(std::string_view group_id,
                                        const std::vector<std::string>& members);
  base::Result<GroupReply> GroupDemote(std::string_view group_id,
                                       const std::vector<std::string>& members);
  base::Result<GroupReply> GroupTransfer(std::string_view group_id, std::string_view to);
  base::Result<GroupReply> GroupMute(std::string_view group_id,
                                     const std::vector<std::string>& members, std::int64_t until);
  base::Result<GroupReply> GroupUnmute(std::string_view group_id,
                                       const std::vector<std::string>& members);
  // Sets the given settings (docs/protocol.md "GROUP"): join_policy
  // "invite"|"open", history_visibility "joined"|"shared", only_admins_send
  // "true"|"false" (sent as a JSON bool); owner only.
  base::Result<GroupReply> GroupSettings(
      std::string_view group_id, const std::vector<std::pair<std::string, std::string>>& settings);
  base::Result<GroupMembersInfo> GroupMembers(std::string_view group_id);
  base::Result<std::vector<GroupSummary>> MyGroups();

  // Catches up now and returns once it is done (Client::Sync): afterwards the
  // push handler has seen every message the server held at the SYNC. Waits
  // up to ClientOptions::sync_timeout.
  base::Result<void> Sync();

  void SetCursor(std::string_view conversation_id, std::int64_t delivered_seq);
  void Catchup(std::string_view conversation_id, std::int64_t from_seq);

  // Where delivery stands: the SYNC inbox cursor, and the highest seq handed
  // to the push handler per conversation (nullopt: never seen, or the client
  // thread did not answer).
  std::int64_t InboxCursor() const { return client_.inbox_cursor(); }
  std::optional<std::int64_t> Delivered(std::string_view conversation_id);

  // The asynchronous client, for fire-and-forget calls from handlers.
  Client& Async() { return client_; }

 private:
  // Runs `start(done)` and waits for `done`, at most `limit` (default: the
  // request and connect timeouts).
  template <class T, class Start>
  base::Result<T> Wait(Start start, std::optional<std::chrono::milliseconds> limit = {});
  base::Result<GroupReply> GroupRequest(boost::json::object body);

  ClientOptions options_;
  boost::asio::io_context io_;
  Client client_;
  std::thread thread_;
};

}  // namespace parley::client
