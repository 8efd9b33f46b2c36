// Catch-up of the Client after each login and on Sync(): SYNC pages from the
// inbox cursor, the CONVERSATIONS fallback for an expired cursor, PULLs of
// the conversations the server lists, and the waiters of Sync().
//
// A "paging round" is the chain SYNC -> SYNC ... (-> CONVERSATIONS -> SYNC
// ...) until has_more is false. The catch-up is over when no round is in
// flight and every PULL (in flight or in the backlog) has ended.

#include <boost/asio/post.hpp>

#include "client/client.h"

namespace parley::client {
namespace json = boost::json;

void Client::Sync(SyncHandler done) {
  asio::post(strand_, [this, done = std::move(done)]() mutable {
    if (phase_ == Phase::kClosed) {
      return done(base::MakeError(base::Code::kUnavailable, "client closed"));
    }
    if (sync_waiters_.size() >= options_.max_pending_requests) {
      return done(base::MakeError(base::Code::kRateLimited, "too many Sync calls waiting"));
    }
    std::uint64_t id = next_waiter_id_++;
    SyncWaiter waiter{std::move(done),
                      std::make_unique<asio::steady_timer>(strand_, options_.sync_timeout)};
    waiter.deadline->async_wait([this, id](boost::system::error_code ec) {
      if (!ec) FinishSyncWaiter(id, base::MakeError(base::Code::kUnavailable, "sync timed out"));
    });
    sync_waiters_.emplace(id, std::move(waiter));
    StartCatchup();
  });
}

void Client::Delivered(std::string conversation_id,
                       std::function<void(std::optional<std::int64_t>)> done) {
  asio::post(strand_, [this, id = std::move(conversation_id), done = std::move(done)] {
    done(tracker_.Delivered(id));
  });
}

void Client::StartCatchup() {
  if (paging_) {
    // The SYNC in flight may have been answered before what the caller wants
    // to see; one more round after it will not have been.
    page_again_ = true;
    return;
  }
  paging_ = true;
  fell_back_ = false;
  // Every round ends by resuming open gaps, so older PULL failures are retried.
  catchup_error_.reset();
  RequestSyncPage();
}

void Client::RequestSyncPage() {
  StartRequest(SyncBody(inbox_cursor_, options_.sync_limit, groups_since_),
               [this](base::Result<json::object> answer) {
                 if (!answer) {
                   // A server without SYNC: the listing of every conversation
                   // still catches up, only with more requests.
                   if (answer.error().code == base::Code::kNotFound) {
                     return FallBackToConversations(std::nullopt);
                   }
                   return EndPaging(answer.error());
                 }
                 auto page = ParseSyncPage(*answer);
                 if (!page) return EndPaging(page.error());
                 OnSyncPage(std::move(*page));
               });
}

void Client::OnSyncPage(SyncPage page) {
  if (page.expired && !fell_back_) return FallBackToConversations(page.next_inbox_seq);
  std::int64_t previous = inbox_cursor_;
  for (InboxEntry& entry : page.entries) Apply(tracker_.OnPush(std::move(entry.message)));
  for (const protocol::HoleMarker& hole : page.holes) Apply(tracker_.OnHole(hole));
  inbox_cursor_ = page.next_inbox_seq;
  // A page that does not advance ends the round, so a confused server cannot
  // keep the client asking forever.
  if (page.has_more && page.next_inbox_seq > previous) return RequestSyncPage();
  // Listed groups are applied only after the whole inbox was read: small
  // groups are in the inbox too, and PULLing them earlier would fetch what
  // the next pages bring anyway.
  for (const ConversationInfo& c : page.conversations) {
    Apply(tracker_.OnServerMax(c.conversation_id, c.max_seq));
  }
  // More groups moved than SYNC lists: CONVERSATIONS has them all; the next
  // SYNC may skip the unmoved ones only once they were seen.
  if (page.conversations_truncated && !fell_back_) {
    pending_groups_since_ = page.next_groups_since;
    return FallBackToConversations(std::nullopt);
  }
  groups_since_ = page.next_groups_since;
  EndPaging(std::nullopt);
}

void Client::FallBackToConversations(std::optional<std::int64_t> then_sync_from) {
  fell_back_ = true;
  RequestConversationsPage(std::string(), 0, then_sync_from);
}

void Client::RequestConversationsPage(std::string cursor, int pages_read,
                                      std::optional<std::int64_t> then_sync_from) {
  StartRequest(
      ConversationsBody(cursor, kConversationPage),
      [this, cursor, pages_read, then_sync_from](base::Result<json::object> answer) {
        auto page = answer ? ParseConversationPage(*answer)
                           : base::Result<ConversationPage>(answer.error());
        if (!page) return EndPaging(page.error());
        // Unknown conversations start at seq 1 or at max_seq, as the
        // tracker's policy says; known ones PULL from delivered.
        for (const ConversationInfo& c : page->conversations) {
          Apply(tracker_.OnServerMax(c.conversation_id, c.max_seq));
        }
        // A page that does not advance ends the listing, so a confused server
        // cannot keep the client asking forever.
        if (page->has_more && page->next_cursor != cursor &&
            pages_read + 1 < kMaxConversationPages) {
          return RequestConversationsPage(std::move(page->next_cursor), pages_read + 1,
                                          then_sync_from);
        }
        groups_since_ = std::exchange(pending_groups_since_, std::nullopt);
        if (!then_sync_from) return EndPaging(std::nullopt);
        // Moved only now: had the listing failed, the next catch-up
        // must find the cursor expired and fall back again.
        inbox_cursor_ = *then_sync_from;
        RequestSyncPage();
      });
}

void Client::EndPaging(std::optional<base::Error> error) {
  paging_ = false;
  if (error) {
    if (!catchup_error_) catchup_error_ = std::move(error);
    page_again_ = false;
  } else if (std::exchange(page_again_, false)) {
    return StartCatchup();
  } else {
    for (PullCursor& cursor : tracker_.ResumeGaps()) IssuePull(std::move(cursor));
  }
  MaybeFinishSync();
}

bool Client::CatchingUp() const {
  return paging_ || pulls_in_flight_ > 0 || !pull_backlog_.empty();
}

void Client::MaybeFinishSync() {
  if (CatchingUp() || sync_waiters_.empty()) return;
  base::Result<void> outcome;
  if (catchup_error_) outcome = *std::exchange(catchup_error_, std::nullopt);
  while (!sync_waiters_.empty()) FinishSyncWaiter(sync_waiters_.begin()->first, outcome);
}

void Client::FinishSyncWaiter(std::uint64_t id, base::Result<void> outcome) {
  auto node = sync_waiters_.extract(id);
  if (node.empty()) return;
  node.mapped().deadline->cancel();
  node.mapped().done(std::move(outcome));
}

}  // namespace parley::client
