// RedisMysqlStore::ReadInbox: entries from the Redis ZSET, their messages
// from MySQL in one query, with the expiry rule of core::InboxPage.

#include <algorithm>
#include <map>

#include "base/ids.h"
#include "mysql/pool.h"
#include "redis/client.h"
#include "store/cluster/redis_mysql_store.h"
#include "store/cluster/sql_reads.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxPage = 10000;

base::Error Corrupt() { return base::MakeError(base::Code::kInternal, "store: corrupt inbox entry"); }

// Below the floor, the cursor predates Redis losing the inbox (after a loss
// every inbox_seq starts above the floor; on a fresh cluster the floor is 0,
// below every cursor). Otherwise the entries after it were trimmed: by the
// cap when the inbox is full and the next kept entry is recent, else by
// the retention.
core::ExpiredReason WhyExpired(std::int64_t after, const InboxItem* next_kept,
                               const redis::Reply& floor, const redis::Reply& kept,
                               std::size_t max_entries, std::int64_t too_old) {
  if (floor.IsString()) {
    try {
      if (after < std::stoll(floor.str())) return core::ExpiredReason::kReset;
    } catch (...) {
      // A corrupt floor: say what the entries say.
    }
  }
  const bool full = kept.IsInteger() &&
                    static_cast<std::size_t>(kept.integer()) >= max_entries;
  if (full && next_kept != nullptr && next_kept->send_time >= too_old) {
    return core::ExpiredReason::kCapped;
  }
  return core::ExpiredReason::kRetention;
}

}  // namespace

asio::awaitable<base::Result<core::InboxPage>> RedisMysqlStore::ReadInbox(
    std::string user_id, std::int64_t after_inbox_seq, std::size_t limit) {
  if (closed_) co_return base::MakeError(base::Code::kUnavailable, "store closed");
  if (!base::IsValidUserId(user_id)) {
    co_return base::MakeError(base::Code::kBadRequest, "invalid user_id");
  }
  const std::int64_t after = std::max<std::int64_t>(after_inbox_seq, 0);
  const std::size_t want = std::min(limit, kMaxPage);
  // One more than asked, so has_more is exact.
  std::vector<redis::Args> reads = {
      {"GET", keys_.InboxSeq(user_id)},
      {"ZRANGEBYSCORE", keys_.Inbox(user_id), "(" + std::to_string(after), "+inf", "LIMIT", "0",
       std::to_string(want + 1)},
      // For an expired cursor's reason only.
      {"GET", keys_.InboxFloor()},
      {"ZCARD", keys_.Inbox(user_id)}};
  base::Result<std::vector<redis::Reply>> replies = co_await redis_->Pipeline(std::move(reads));
  if (!replies) co_return replies.error();

  core::InboxPage page;
  const redis::Reply& latest = (*replies)[0];
  if (latest.IsString()) {
    try {
      page.latest_inbox_seq = std::stoll(latest.str());
    } catch (...) {
      co_return Corrupt();
    }
  }
  if (after >= page.latest_inbox_seq) co_return page;

  std::vector<InboxItem> items;
  for (const redis::Reply& member : (*replies)[1].elements()) {
    std::optional<InboxItem> item = ParseInboxItem(member.str());
    if (!item) co_return Corrupt();
    items.push_back(std::move(*item));
  }
  // Entries are trimmed from the oldest, so the first one after the cursor
  // tells whether the cursor fell behind: it must be the very next one
  // (a new device's cursor 0 needs the user's first entry, inbox_seq 1 on a
  // fresh cluster: inbox_floor.cc), and within the retention.
  const std::int64_t now = options_.clock->NowMs();
  const std::int64_t too_old = now - options_.inbox_retention.count();
  if (items.empty() || items[0].inbox_seq != after + 1 || items[0].send_time < too_old) {
    page.expired = true;
    page.expired_reason = WhyExpired(after, items.empty() ? nullptr : &items[0], (*replies)[2],
                                     (*replies)[3], options_.max_inbox_entries, too_old);
    co_return page;
  }
  const std::size_t take = std::min(want, items.size());
  page.has_more = items.size() > take;
  if (take == 0) co_return page;

  std::vector<std::pair<std::string, std::int64_t>> keys;
  keys.reserve(take);
  for (std::size_t i = 0; i < take; ++i) keys.emplace_back(items[i].conversation_id, items[i].seq);
  auto fetch = [&keys](mysql::Session& s) { return sql::FetchMessages(s, keys); };
  base::Result<std::vector<sql::FetchedMessage>> messages =
      co_await pool_->Run(std::move(fetch), mysql::Access::kReadOnly);
  Note(messages);
  if (!messages) co_return messages.error();
  std::map<std::pair<std::string, std::int64_t>, const sql::FetchedMessage*> by_key;
  for (const sql::FetchedMessage& f : *messages) {
    by_key[{f.message.conversation_id, f.message.seq}] = &f;
  }

  page.entries.reserve(take);
  for (std::size_t i = 0; i < take; ++i) {
    const protocol::HoleMarker hole{items[i].conversation_id, items[i].seq};
    auto it = by_key.find({hole.conversation_id, hole.seq});
    if (it != by_key.end()) {
      // A hole row says the seq will never hold a message.
      page.entries.push_back(core::InboxEntry{
          items[i].inbox_seq, it->second->hole ? protocol::SerializeHole(hole)
                                               : protocol::SerializeMessage(it->second->message)});
      continue;
    }
    // No row (yet): the append failed (a hole once old: no retry can fill
    // it now) or is still committing (stop here; the device asks again).
    if (now - items[i].send_time > options_.hole_timeout.count()) {
      page.entries.push_back(core::InboxEntry{items[i].inbox_seq, protocol::SerializeHole(hole)});
      continue;
    }
    page.has_more = true;
    break;
  }
  co_return page;
}

}  // namespace parley::store
