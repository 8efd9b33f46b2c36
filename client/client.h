#pragma once
// Asynchronous Parley client: one logical session to a server that survives
// connection drops.
//
// - Requests are matched to answers by an increasing "req_id". Each has a
//   deadline (ClientOptions::request_timeout). Requests made while offline
//   wait for the next connection. Idempotent ones (CHAT with its msg_id, PULL,
//   ACK, HISTORY, CONVERSATIONS, SYNC) are sent again after a reconnect, so a
//   retried send reuses its msg_id and gets the original seq; others (GROUP)
//   fail with 503 when their connection drops before the answer.
// - Pushes go through a DeliveryTracker: the push handler sees each message
//   once, in seq order, gaps filled by PULL (see delivery_tracker.h).
// - Typing (docs/protocol.md "TYPING") is transient: SendTyping writes it
//   only while online and never resends it; the typing handler gets the
//   other members' typing events as they come.
// - A dropped connection is retried with jittered exponential backoff; the
//   client logs in again with its token (or password).
// - After every login it catches up (client_sync.cc): SYNC from its inbox
//   cursor, page by page; inbox messages go through the tracker like pushes;
//   then every conversation the server lists with a max_seq beyond what was
//   delivered is PULLed (read-diffusion groups are not in the inbox). When the
//   server no longer holds the cursor's inbox ("expired"), CONVERSATIONS lists
//   every conversation and each is PULLed from its delivered position.
//   PULLs run at most max_concurrent_pulls at a time; the rest wait in a
//   backlog of at most one entry per conversation.
//
// Thread contract: public methods may be called from any thread; each posts
// its work to the client's strand. Every handler runs on that strand, so
// handlers must not block on this client (SyncClient's calls included).
// Lifetime: call Close(), and destroy the Client only once its executor no
// longer runs (SyncClient does this).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "base/error.h"
#include "client/delivery_tracker.h"
#include "client/endpoint.h"
#include "client/packets.h"
#include "client/transport.h"
#include "protocol/frame_codec.h"

namespace parley::client {

struct ClientOptions {
  Endpoint server;
  TransportKind transport = TransportKind::kTcp;
  std::optional<TlsOptions> tls;  // absent: plain text
  std::chrono::milliseconds connect_timeout{5000};  // TCP/WS connect + LOGIN
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds heartbeat_interval{30000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::size_t max_pending_requests = 4096;  // beyond: 429 at once
  std::size_t max_buffered_per_conversation = 1024;
  std::int64_t pull_limit = 200;  // page size of catch-up and gap-filling PULLs
  std::size_t max_concurrent_pulls = 32;
  std::int64_t sync_limit = 200;  // inbox entries per SYNC page
  std::chrono::milliseconds sync_timeout{120000};  // bound of one Sync() call
  // A conversation first seen (push, SYNC inbox entry, SYNC/CONVERSATIONS
  // listing, own send) is delivered from seq 1; false: from what was seen on.
  bool catch_up_unknown_conversations = true;
  // Largest packet accepted FROM the server. Far above the server's own
  // --max-frame (which bounds what clients send): a page of 200 messages of
  // 4 KiB each is ~1 MiB.
  std::uint32_t max_frame = 16 * 1024 * 1024;
};

// Who to log in as: a token, or user_id + password. With both, the token is
// tried first and the password serves when the token is refused.
struct Credentials {
  std::string user_id;
  std::string password;
  std::string token;
};

enum class ConnectionState { kOnline, kReconnecting, kClosed };

class Client {
 public:
  using ResponseHandler = std::function<void(base::Result<boost::json::object>)>;
  using LoginHandler = std::function<void(base::Result<LoginReply>)>;
  using SendHandler = std::function<void(base::Result<SendAck>)>;
  using PushHandler = std::function<void(const protocol::Message&)>;
  using StateHandler = std::function<void(ConnectionState)>;
  using AckHandler =
      std::function<void(const std::string& conversation_id, std::int64_t last_ack_seq)>;
  using ReceiptHandler = std::function<void(const ReceiptNotice&)>;
  using SyncHandler = std::function<void(base::Result<void>)>;
  using TypingHandler = std::function<void(const protocol::TypingEvent&)>;

  Client(asio::any_io_executor executor, ClientOptions options);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Set before Start.
  void SetPushHandler(PushHandler handler) { push_handler_ = std::move(handler); }
  // Called when an established session goes offline, comes back, or closes.
  void SetStateHandler(StateHandler handler) { state_handler_ = std::move(handler); }
  // Called when another device of this user ACKs a conversation.
  void SetAckHandler(AckHandler handler) { ack_handler_ = std::move(handler); }
  // Called when another member reads or receives (receipt events).
  void SetReceiptHandler(ReceiptHandler handler) { receipt_handler_ = std::move(handler); }
  // Called when another member starts or stops typing in a conversation.
  void SetTypingHandler(TypingHandler handler) { typing_handler_ = std::move(handler); }

  // Connects and logs in. `done` gets the LOGIN answer or the first failure
  // (then Start may be called again, e.g. after registering). Once logged in,
  // the client reconnects on its own until Close().
  void Start(Credentials credentials, LoginHandler done);

  // Sends any request; the body carries "cmd". `done` gets the answer when its
  // code is 0, else its error. Errors of the client itself: 429 too many
  // requests in flight, 503 timeout / connection lost / closed.
  void Request(boost::json::object body, ResponseHandler done);

  // CHAT. An empty msg_id is replaced by a fresh one.
  void Send(Outgoing message, SendHandler done);

  // TYPING, fire and forget (no "req_id", so the server answers only an
  // error, which is ignored): what an application sends as its user types,
  // as often as it likes; the server forwards a change at most every 2 s.
  // Dropped while offline (stale by the time the connection is back) and
  // while more than max_pending_requests packets wait to be written. For an
  // answer, send TypingBody through Request.
  void SendTyping(std::string conversation_id, protocol::TypingState state);

  // Delivery positions (see DeliveryTracker::SetCursor and Catchup).
  void SetCursor(std::string conversation_id, std::int64_t delivered_seq);
  void Catchup(std::string conversation_id, std::int64_t from_seq);

  // Catches up now (see the top of this file) and calls `done` once the SYNC
  // pages are read and every PULL in flight has ended: from then on the push
  // handler has seen everything the server held when the SYNC was answered.
  // Errors: the first failed SYNC, CONVERSATIONS or PULL of the run; 503 after
  // sync_timeout or when the client closes.
  void Sync(SyncHandler done);

  // Inspection. inbox_cursor: safe from any thread. Delivered: `done` gets
  // the conversation's delivered seq (nullopt: never seen) on the strand.
  std::int64_t inbox_cursor() const { return inbox_cursor_.load(); }
  void Delivered(std::string conversation_id,
                 std::function<void(std::optional<std::int64_t>)> done);

  // Fails every pending request with 503 and stops reconnecting. Idempotent.
  void Close();

 private:
  struct PendingRequest {
    std::uint16_t cmd = 0;
    boost::json::object body;
    ResponseHandler done;
    std::unique_ptr<asio::steady_timer> deadline;
    bool resend_after_reconnect = false;
    std::uint64_t sent_on = 0;  // connection generation it was written on; 0: not yet
  };
  enum class Phase { kIdle, kStarting, kRunning, kClosed };

  // Connection lifecycle (client.cc).
  asio::awaitable<void> Run();
  asio::awaitable<base::Result<LoginReply>> ConnectAndLogin();
  asio::awaitable<base::Result<LoginReply>> Establish();
  asio::awaitable<void> Watchdog(std::chrono::milliseconds timeout);
  asio::awaitable<void> ReadLoop();
  asio::awaitable<void> WriteLoop();
  asio::awaitable<void> HeartbeatLoop();
  asio::awaitable<void> Backoff(std::chrono::milliseconds& delay);
  void OnOnline(const LoginReply& reply);
  void OnOffline();
  void DropConnection();
  void Shutdown(const base::Error& reason);

  // Requests and delivery (client_requests.cc).
  void StartRequest(boost::json::object body, ResponseHandler done);
  void Transmit(PendingRequest& request);
  void Enqueue(std::uint16_t cmd, std::string body);
  void Complete(std::int64_t req_id, base::Result<boost::json::object> result);
  void OnPacket(Inbound packet);
  void Apply(DeliveryStep step);
  void IssuePull(PullCursor cursor);
  void IssueBacklog();

  // Catch-up (client_sync.cc).
  void StartCatchup();
  void RequestSyncPage();
  void OnSyncPage(SyncPage page);
  void FallBackToConversations(std::optional<std::int64_t> then_sync_from);
  void RequestConversationsPage(std::string cursor, int pages_read,
                                std::optional<std::int64_t> then_sync_from);
  void EndPaging(std::optional<base::Error> error);
  bool CatchingUp() const;
  void MaybeFinishSync();
  void FinishSyncWaiter(std::uint64_t id, base::Result<void> outcome);

  ClientOptions options_;
  asio::strand<asio::any_io_executor> strand_;
  PushHandler push_handler_;
  StateHandler state_handler_;
  AckHandler ack_handler_;
  ReceiptHandler receipt_handler_;
  TypingHandler typing_handler_;

  Phase phase_ = Phase::kIdle;
  Credentials credentials_;
  LoginHandler login_done_;  // set until the first login succeeds or fails

  std::unique_ptr<Transport> transport_;  // the current connection, if any
  bool online_ = false;                   // logged in on transport_
  std::uint64_t generation_ = 0;          // counts logged-in connections
  std::chrono::steady_clock::time_point last_received_;
  std::deque<std::pair<std::uint16_t, std::string>> write_queue_;
  asio::steady_timer write_signal_;  // cancelled to wake the writer
  asio::steady_timer backoff_timer_;
  std::minstd_rand jitter_;

  std::int64_t next_req_id_ = 1;
  std::map<std::int64_t, PendingRequest> pending_;  // by req_id: resent in order
  DeliveryTracker tracker_;

  std::size_t pulls_in_flight_ = 0;
  std::deque<PullCursor> pull_backlog_;  // at most one per conversation
  bool issuing_backlog_ = false;

  struct SyncWaiter {
    SyncHandler done;
    std::unique_ptr<asio::steady_timer> deadline;
  };
  std::atomic<std::int64_t> inbox_cursor_{0};
  bool paging_ = false;      // a SYNC (or CONVERSATIONS fallback) is in flight
  bool page_again_ = false;  // a catch-up was asked for during paging
  bool fell_back_ = false;   // this paging round used the fallback already
  // SYNC's groups_since: the groups listed since were all applied. Absent
  // until a round ends well: the server then lists every group.
  std::optional<std::int64_t> groups_since_;
  std::optional<std::int64_t> pending_groups_since_;  // set by a listing in progress
  std::optional<base::Error> catchup_error_;  // first failure since the round began
  std::uint64_t next_waiter_id_ = 1;
  std::map<std::uint64_t, SyncWaiter> sync_waiters_;
};

}  // namespace parley::client
