#pragma once
// MessageService: CHAT, PULL, ACK, HISTORY, CONVERSATIONS and RECEIPTS (docs/protocol.md
// "Commands", docs/design.md "Guarantees"). It checks who may touch which conversation,
// stores through Store and delivers through Bus. It never sees a socket.
//
// Threads: methods run on the calling connection's executor; the service's
// only mutable state is a per-thread cache of registered peers and the
// receipt coalescer (thread-safe), so any number of connections call it at once.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "base/metrics.h"
#include "core/bus.h"
#include "core/caller.h"
#include "core/conversation_access.h"
#include "core/event_checks.h"
#include "core/receipt_coalescer.h"
#include "core/store.h"

namespace parley::core {

class MediaService;

struct MessageOptions {
  std::size_t max_content = 4096;   // bytes of payload.content (--max-content)
  std::size_t default_page = 50;    // PULL/HISTORY limit when the client gives none
  std::size_t max_page = 200;       // PULL/HISTORY limit cap
  bool require_registered_peer = true;  // 1:1 to an unknown user is 404 (off with --auth=insecure)
  // Groups above this many members get no receipt events and no RECEIPTS
  // (--fanout-threshold: the same line as write diffusion).
  std::size_t fanout_threshold = 500;
  // Receipt events of one (user, conversation, kind) go out at most once
  // per interval (receipt_coalescer.h).
  std::chrono::milliseconds receipt_interval{1000};
  // How long after sending a message may be edited and recalled by its
  // sender (--edit-window, --recall-window; event_checks.h).
  EventWindows windows;
  // Which CHATs get a webhook outbox entry (store.h AppendRequest::outbox):
  // none (webhooks off), users' messages (msg_type 1-99; --webhook-events
  // offline), or every CHAT, events included (--webhook-events all).
  enum class Outbox { kNone, kUserMessages, kAll };
  Outbox outbox = Outbox::kNone;
};

class MessageService {
 public:
  MessageService(Store& store, Bus& bus, const base::Clock& clock, base::Metrics& metrics,
                 MessageOptions options);

  // Each takes the request object and returns the whole response body (with
  // req_id/msg_id echoed), or an error the dispatcher turns into one.
  asio::awaitable<base::Result<std::string>> Chat(const Caller& caller,
                                                  const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> Pull(const Caller& caller,
                                                  const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> History(const Caller& caller,
                                                     const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> Ack(const Caller& caller,
                                                 const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> Conversations(const Caller& caller,
                                                           const boost::json::object& request);
  asio::awaitable<base::Result<std::string>> Receipts(const Caller& caller,
                                                      const boost::json::object& request);

  // True when nothing in Chat suspends before the store's Append, so CHATs
  // started in order are appended (and given seqs) in that order.
  bool ChatsAppendInStartOrder() const { return store_.ReadsCompleteInline(); }

  // Media messages (msg_type 2-5, core/media_messages.h); null: refused.
  void SetMedia(MediaService* media) { media_ = media; }

 private:
  // 404 unless every other member of a private conversation is registered.
  asio::awaitable<base::Result<void>> CheckPeersExist(const Caller& caller,
                                                      const std::vector<std::string>& members);
  std::size_t PageLimit(std::int64_t requested) const;
  // What a message at `seq` is named for: a reply may answer anything but
  // an event; an event changes a user's message (not a system message or
  // another event).
  enum class TargetUse { kReply, kEvent };
  // A recall erased a media message: its citation goes, so the file is
  // readable only as long as other messages cite it.
  asio::awaitable<void> ReleaseMedia(const protocol::Message& recalled);
  // The message at `seq` that a reply or an event names: 400 unless it is
  // one of the conversation the caller may read, fit for `use`.
  asio::awaitable<base::Result<protocol::Message>> ReadTarget(const ConversationTarget& target,
                                                              std::int64_t seq, TargetUse use);
  // Tells the caller's other members how far it read or received.
  void AnnounceReceipt(const Caller& caller, const ConversationTarget& target,
                       protocol::AckKind kind, std::int64_t seq,
                       const asio::any_io_executor& executor);

  Store& store_;
  Bus& bus_;
  const base::Clock& clock_;
  base::Metrics& metrics_;
  MessageOptions options_;
  const std::uint64_t tag_;  // names this instance in the per-thread peer cache
  std::shared_ptr<ReceiptCoalescer> receipts_;
  MediaService* media_ = nullptr;
};

}  // namespace parley::core
