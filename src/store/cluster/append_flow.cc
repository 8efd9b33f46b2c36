// RedisMysqlStore::Append: the Redis half (one script per message), the
// membership-change path, duplicates, and re-seeding Redis from MySQL.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <map>
#include <random>

#include "base/ids.h"
#include "protocol/message_events.h"
#include "mysql/pool.h"
#include "redis/client.h"
#include "redis/script.h"
#include "core/group_settings.h"
#include "store/cluster/group_committer.h"
#include "store/cluster/lua_scripts.h"
#include "store/cluster/redis_mysql_store.h"
#include "store/cluster/sql_reads.h"
#include "store/cluster/sql_rows.h"
#include "store/common/conversation_rules.h"
#include "store/common/group_changes.h"

namespace parley::store {
namespace {

// A script's answer is an array whose first element is a tag ("ok",
// "seed_seq", ...); anything else means the script and this code disagree.
base::Result<const std::vector<redis::Reply>*> TaggedElements(
    const base::Result<redis::Reply>& reply) {
  if (!reply) return reply.error();
  if (!reply->IsArray() || reply->elements().empty()) {
    return base::MakeError(base::Code::kInternal,
                           "redis script: unexpected reply " + reply->DebugString());
  }
  return &reply->elements();
}

// Re-seeds and lost races an Append may go through before it gives up.
constexpr int kMaxAttempts = 6;

base::Error BadRequest(const char* what) {
  return base::MakeError(base::Code::kBadRequest, std::string("invalid ") + what);
}
base::Error Unavailable(std::string why) {
  return base::MakeError(base::Code::kUnavailable, "store unavailable: " + std::move(why));
}

std::string RandomToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(24, '0');
  for (char& c : token) c = kHex[rng() % 16];
  return token;
}

bool AllValid(const std::vector<std::string>& ids) {
  return std::all_of(ids.begin(), ids.end(), [](const std::string& id) {
    return base::IsValidUserId(id);
  });
}

// The core validates everything; this keeps bad input from reaching SQL or
// Redis keys (user ids never hold ':', which the msgid key relies on).
std::optional<base::Error> Validate(const core::AppendRequest& request) {
  const protocol::Message& m = request.message;
  if (!base::IsValidUserId(m.sender_id)) return BadRequest("sender_id");
  if (!base::IsValidMsgId(m.msg_id)) return BadRequest("msg_id");
  const auto ref = base::ParseConversationId(m.conversation_id);
  if (!ref) return BadRequest("conversation_id");
  if (!AllValid(request.members)) return BadRequest("member id");
  if (const auto& change = request.group_change) {
    if (ref->kind != base::ConversationKind::kGroup) {
      return base::MakeError(base::Code::kBadRequest, "group change in a private chat");
    }
    if (change->group_id != ref->first) {
      return base::MakeError(base::Code::kBadRequest, "group change outside its group's chat");
    }
    if (!base::IsValidUserId(change->actor) || !AllValid(change->users)) {
      return BadRequest("group change user id");
    }
  }
  return std::nullopt;
}

std::map<std::string, std::string> HashOf(const redis::Reply& reply) {
  std::map<std::string, std::string> out;
  const auto& e = reply.elements();
  for (std::size_t i = 0; i + 1 < e.size(); i += 2) out[e[i].str()] = e[i + 1].str();
  return out;
}

std::int64_t ToInt(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (...) {
    return 0;
  }
}

// Redis keeps a group's ban and admin lists as comma-separated fields: user
// ids never hold ','.
std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out.push_back(',');
    out.append(id);
  }
  return out;
}

core::MemberList SplitIds(std::string_view text) {
  auto out = std::make_shared<std::vector<std::string>>();
  while (!text.empty()) {
    const std::size_t comma = std::min(text.find(','), text.size());
    if (comma > 0) out->emplace_back(text.substr(0, comma));
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  std::sort(out->begin(), out->end());
  return out;
}

// Mutes as "user=until,…" (user ids never hold '=' either), sorted by user.
std::string JoinMutes(const std::vector<core::Mute>& mutes) {
  std::string out;
  for (const core::Mute& mute : mutes) {
    if (!out.empty()) out.push_back(',');
    out.append(mute.user_id).append("=").append(std::to_string(mute.until));
  }
  return out;
}

core::MuteList SplitMutes(std::string_view text) {
  auto out = std::make_shared<std::vector<core::Mute>>();
  const core::MemberList entries = SplitIds(text);
  for (const std::string& entry : *entries) {
    const std::size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    out->push_back(core::Mute{entry.substr(0, eq), ToInt(entry.substr(eq + 1))});
  }
  // SplitIds sorted whole entries; "a.b=1" sorts before "a=1", unlike the ids.
  std::sort(out->begin(), out->end(),
            [](const core::Mute& a, const core::Mute& b) { return a.user_id < b.user_id; });
  return out;
}

// The group as a hash pair read from Redis; null for a "no such group" marker.
// Redis holds what the rules need (ApplyGroupChange), not the members' join
// seqs, which only MySQL keeps (they are 0 here).
GroupPtr RecordOf(const std::string& group_id, const std::map<std::string, std::string>& meta,
                  const std::map<std::string, std::string>& members) {
  auto exists = meta.find("exists");
  if (exists == meta.end() || exists->second != "1") return nullptr;
  auto group = std::make_shared<GroupRecord>();
  group->info.group_id = group_id;
  auto field = [&meta](const char* name) {
    auto it = meta.find(name);
    return it == meta.end() ? std::string() : it->second;
  };
  group->info.name = field("name");
  group->info.owner_id = field("owner");
  group->info.created_at = ToInt(field("created_at"));
  group->info.join_policy = core::ParseJoinPolicy(field("join_policy")).value_or(core::JoinPolicy::kInvite);
  group->info.history_visibility =
      core::ParseHistoryVisibility(field("history")).value_or(core::HistoryVisibility::kJoined);
  group->info.banned = SplitIds(field("banned"));
  group->info.send_policy =
      core::ParseSendPolicy(field("send_policy")).value_or(core::SendPolicy::kEveryone);
  group->info.admins = SplitIds(field("admins"));
  group->info.mutes = SplitMutes(field("mutes"));
  auto list = std::make_shared<std::vector<std::string>>();
  for (const auto& [user, join_time] : members) {  // std::map: sorted by id
    list->push_back(user);
    group->join_times.push_back(ToInt(join_time));
  }
  group->info.join_seqs = std::make_shared<const std::vector<std::int64_t>>(list->size(), 0);
  group->info.members = std::move(list);
  return group;
}

// The group's fields the change and seed scripts write into its Redis hash,
// after name, owner and created_at: join_policy, history, banned,
// send_policy, admins, mutes.
std::vector<std::string> SettingsArgs(const core::GroupInfo& group) {
  return {std::string(core::JoinPolicyName(group.join_policy)),
          std::string(core::HistoryVisibilityName(group.history_visibility)),
          JoinIds(*group.banned),
          std::string(core::SendPolicyName(group.send_policy)),
          JoinIds(*group.admins),
          JoinMutes(*group.mutes)};
}

// Fire-and-forget Redis writes; a free function so the detached coroutine
// owns its arguments.
asio::awaitable<void> SendAndForget(std::shared_ptr<redis::Client> redis, redis::Args command) {
  base::Result<redis::Reply> ignored = co_await redis->Command(std::move(command));
  (void)ignored;  // a stale entry expires, or is corrected by MySQL
}

}  // namespace

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::Append(
    core::AppendRequest request) {
  if (closed_) co_return base::MakeError(base::Code::kUnavailable, "store closed");
  if (auto error = Validate(request)) co_return std::move(*error);
  if (request.group_change) {
    base::Result<core::AppendResult> changed = co_await AppendChange(std::move(request));
    co_return changed;
  }
  base::Result<core::AppendResult> appended = co_await AppendMessage(std::move(request));
  co_return appended;
}

asio::awaitable<base::Result<redis::Reply>> RedisMysqlStore::RunScript(
    redis::Script& script, std::vector<std::string> args) {
  std::vector<std::string> no_keys;
  auto run = script.Run(*redis_, std::move(no_keys), std::move(args));
  base::Result<redis::Reply> reply = co_await std::move(run);
  if (!reply) co_return reply.error();
  if (reply->IsError()) {
    const std::string& text = reply->str();
    const bool transient = text.starts_with("LOADING") || text.starts_with("BUSY") ||
                           text.starts_with("OOM") || text.starts_with("READONLY") ||
                           text.starts_with("MASTERDOWN");
    co_return base::MakeError(transient ? base::Code::kUnavailable : base::Code::kInternal,
                              "redis script: " + text);
  }
  co_return reply;
}

std::vector<std::string> RedisMysqlStore::MessageScriptArgs(const protocol::Message& m,
                                                            const std::string& group_id) const {
  return {keys_.prefix(),
          m.conversation_id,
          m.sender_id,
          m.msg_id,
          std::to_string(m.send_time),
          std::to_string(options_.fanout_threshold),
          std::to_string(options_.inbox_retention.count()),
          std::to_string(options_.pending_ttl.count()),
          std::to_string(options_.max_inbox_entries),
          group_id};
}

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::AppendMessage(
    core::AppendRequest request) {
  const protocol::Message& m = request.message;
  const base::ConversationRef ref = *base::ParseConversationId(m.conversation_id);
  const bool group = ref.kind == base::ConversationKind::kGroup;
  const std::string group_id = group ? ref.first : std::string();
  const core::MemberList private_members = group ? nullptr : PrivateMembers(ref);

  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::string known;
    core::MemberList cached;
    if (group) {
      std::lock_guard lock(cache_mu_);
      if (auto it = member_cache_.find(group_id); it != member_cache_.end()) {
        known = it->second.token;
        cached = it->second.members;
      }
    }
    std::vector<std::string> args = MessageScriptArgs(m, group_id);
    args.push_back(known);
    if (!group) args.insert(args.end(), private_members->begin(), private_members->end());
    base::Result<redis::Reply> reply = co_await RunScript(*append_script_, std::move(args));
    PARLEY_CO_ASSIGN_OR_RETURN(const std::vector<redis::Reply>* elements, TaggedElements(reply));
    const auto& e = *elements;
    const std::string tag = e[0].str();

    if (tag == "ok" && e.size() >= 4) {
      const std::int64_t seq = e[1].integer();
      const bool inboxed = e[2].integer() != 0;
      const std::string& token = e[3].str();
      core::MemberList recipients = private_members;
      if (group) {
        if (cached && token == known) {
          recipients = cached;
        } else {
          auto list = std::make_shared<std::vector<std::string>>();
          for (std::size_t i = 4; i < e.size(); ++i) list->push_back(e[i].str());
          std::sort(list->begin(), list->end());
          recipients = std::move(list);
          CacheMembers(group_id, token, recipients);
        }
      }
      base::Result<core::AppendResult> done =
          co_await Finish(request, seq, std::move(recipients), inboxed, std::nullopt,
                          SenderAck::kMovesToTheMessage);
      co_return done;
    }
    if (tag == "dup" && e.size() >= 2) {
      const std::optional<MsgIdEntry> entry = ParseMsgIdEntry(e[1].str());
      if (entry && !entry->committed && entry->conversation_id == m.conversation_id) {
        // A retry of a message whose first attempt failed, is still
        // committing, or died with its gateway: it commits at the seq
        // reserved then, and MySQL's unique keys pick one row if the first
        // attempt commits too (docs/design.md "Order").
        // The group's members as this attempt read them from the cache.
        core::MemberList recipients = group ? cached : private_members;
        if (!recipients) {
          base::Result<core::MemberList> now = co_await CurrentRecipients(m.conversation_id);
          if (!now) co_return now.error();
          recipients = std::move(*now);
        }
        const bool inboxed = WritesInbox(recipients->size(), options_.fanout_threshold);
        bool too_late = false;
        base::Result<core::AppendResult> done =
            co_await Finish(request, entry->seq, std::move(recipients), inboxed, std::nullopt,
                            SenderAck::kMovesToTheMessage, &too_late);
        if (too_late) continue;  // the entry is gone: the next attempt takes a new seq
        co_return done;
      }
      base::Result<core::AppendResult> dup =
          co_await Duplicate(m.sender_id, m.msg_id, entry && entry->committed);
      co_return dup;
    }
    if (tag == "settle_change") {
      base::Result<void> settled = co_await SettleAbandonedChange(group_id);
      if (!settled) co_return settled.error();
      continue;
    }
    if (tag == "nogroup") co_return base::MakeError(base::Code::kNotFound, "no such group");
    if (tag == "notmember") {
      co_return base::MakeError(base::Code::kForbidden, "not a member of this group");
    }
    base::Result<void> seeded = co_await Seed(tag, m.conversation_id, group_id);
    if (!seeded) co_return seeded.error();
  }
  co_return Unavailable("redis state keeps changing, retry");
}

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::Finish(
    const core::AppendRequest& request, std::int64_t seq, core::MemberList recipients,
    bool inboxed, std::optional<GroupChangeRows> change, SenderAck sender_ack, bool* too_late) {
  const protocol::Message& m = request.message;
  const bool is_change = change.has_value();
  const std::string group_id = is_change ? change->group_id : std::string();
  CommitItem item;
  item.message = m;
  item.message.seq = seq;
  item.reclaimed = too_late != nullptr;
  item.outbox = request.outbox;
  if (base::ParseConversationId(m.conversation_id)->kind == base::ConversationKind::kPrivate) {
    item.members = request.members;
  }
  item.sender_ack = sender_ack;
  item.change = std::move(change);
  protocol::Message stored = item.message;

  base::Result<ItemOutcome> outcome = co_await committer_->Commit(std::move(item));
  // What Redis holds for this append when MySQL did not take it: the pending
  // msgid entry and, for a change, the group's membership, which must be
  // re-read from MySQL.
  const std::string msgid_key = keys_.MsgId(m.sender_id, m.msg_id);
  const std::string pending = MsgIdEntryValue(MsgIdEntry{false, seq, m.conversation_id});
  const std::string pending_change = std::to_string(seq) + "|" + msgid_key;
  if (!outcome) {
    Note(outcome);
    if (!is_change && outcome.error().code == base::Code::kUnavailable) {
      // MySQL may take it on the retry: keep the seq reserved for it, so the
      // timeline stays dense.
      KeepPending(msgid_key, pending);
    } else {
      // A change is re-computed instead: its seq stays empty (a hole).
      Forget({msgid_key});
      if (is_change) {
        base::Result<void> undone = co_await UndoChange(group_id, pending_change);
        (void)undone;  // left pending: the next change or message settles it
      }
    }
    co_return outcome.error();
  }
  Note(outcome);
  if (is_change && outcome->kind != ItemOutcome::Kind::kStored) {
    base::Result<void> undone = co_await UndoChange(group_id, pending_change);
    (void)undone;  // left pending: the next change or message settles it
  }
  switch (outcome->kind) {
    case ItemOutcome::Kind::kStored: {
      if (is_change) {
        // Committed: the group's Redis state is the truth now.
        base::Result<void> cleared =
            co_await DeleteIfEqual(keys_.GroupPendingChange(group_id), pending_change);
        (void)cleared;  // left pending: settling it finds the row and only clears it
      }
      MarkCommitted(m.sender_id, m.msg_id, MsgIdEntry{true, seq, m.conversation_id});
      if (outcome->event_content_erased) protocol::EraseEditContent(stored);
      auto json = std::make_shared<const std::string>(protocol::SerializeMessage(stored));
      co_return core::AppendResult{seq, false, std::move(json), std::move(recipients), inboxed};
    }
    case ItemOutcome::Kind::kDuplicate: {
      const protocol::Message& original = *outcome->original;
      MarkCommitted(m.sender_id, m.msg_id,
                    MsgIdEntry{true, original.seq, original.conversation_id});
      base::Result<core::MemberList> now = co_await CurrentRecipients(original.conversation_id);
      if (!now) co_return now.error();
      const bool now_inboxed = WritesInbox((*now)->size(), options_.fanout_threshold);
      co_return core::AppendResult{
          original.seq, true,
          std::make_shared<const std::string>(protocol::SerializeMessage(original)),
          std::move(*now), now_inboxed};
    }
    case ItemOutcome::Kind::kSeqTaken:
      Forget({msgid_key});
      co_return Unavailable("seq " + std::to_string(seq) + " was taken meanwhile, retry");
    case ItemOutcome::Kind::kTooLate: {
      // Readers may have skipped the seq: it got a hole row. Drop the entry
      // (unless another gateway changed it) so the next attempt takes a new seq.
      base::Result<void> dropped = co_await DeleteIfEqual(msgid_key, pending);
      if (!dropped) co_return dropped.error();
      if (too_late) *too_late = true;
      co_return Unavailable("seq " + std::to_string(seq) + " was given up, retry");
    }
  }
  co_return base::MakeError(base::Code::kInternal, "store: unknown commit outcome");
}

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::Duplicate(std::string sender_id,
                                                                             std::string msg_id,
                                                                             bool committed) {
  auto find = [&](mysql::Session& s) { return sql::FindMessage(s, sender_id, msg_id); };
  base::Result<std::optional<protocol::Message>> found =
      co_await pool_->Run(std::move(find), mysql::Access::kReadOnly);
  Note(found);
  if (!found) co_return found.error();
  if (!*found) {
    // Pending, and not reclaimable here (the msg_id reused for another
    // conversation): the first attempt is still committing, or failed, or
    // died with its gateway; the entry then expires. The client retries, and
    // is never told "stored" for a message that is not durable.
    if (!committed) co_return Unavailable("message pending, retry");
    Forget({keys_.MsgId(sender_id, msg_id)});
    co_return Unavailable("stale idempotency entry, retry");
  }
  const protocol::Message& original = **found;
  base::Result<core::MemberList> recipients = co_await CurrentRecipients(original.conversation_id);
  if (!recipients) co_return recipients.error();
  const bool inboxed = WritesInbox((*recipients)->size(), options_.fanout_threshold);
  co_return core::AppendResult{
      original.seq, true, std::make_shared<const std::string>(protocol::SerializeMessage(original)),
      std::move(*recipients), inboxed};
}

// For a duplicate: who the original's conversation is for now.
asio::awaitable<base::Result<core::MemberList>> RedisMysqlStore::CurrentRecipients(
    std::string conversation_id) {
  const auto ref = base::ParseConversationId(conversation_id);
  GroupPtr group;
  if (ref && ref->kind == base::ConversationKind::kGroup) {
    auto load = [group_id = ref->first](mysql::Session& s) { return sql::LoadGroup(s, group_id); };
    base::Result<GroupPtr> loaded = co_await pool_->Run(std::move(load), mysql::Access::kReadOnly);
    Note(loaded);
    if (!loaded) co_return loaded.error();
    group = std::move(*loaded);
  }
  co_return store::CurrentRecipients(ref, group.get());
}

// ---- membership changes ---------------------------------------------------

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::AppendChange(
    core::AppendRequest request) {
  // One change per group at a time across gateways: the change is computed
  // from the state read below, and its MySQL commit must land before the
  // next change of the group is computed.
  const std::string& group_id = request.group_change->group_id;
  const std::string token = RandomToken();
  const auto executor = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + options_.group_lock_wait;
  for (;;) {
    base::Result<bool> locked = co_await TryLockGroup(group_id, token);
    if (!locked) co_return locked.error();
    if (*locked) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Unavailable("group busy with another change, retry");
    }
    asio::steady_timer timer(executor, std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  base::Result<core::AppendResult> result = co_await ChangeLocked(request);
  base::Result<void> unlocked = co_await DeleteIfEqual(keys_.GroupLock(group_id), token);
  (void)unlocked;  // a lock we could not release expires by itself
  co_return result;
}

asio::awaitable<base::Result<bool>> RedisMysqlStore::TryLockGroup(std::string group_id,
                                                                  std::string token) {
  redis::Args set = {"SET", keys_.GroupLock(group_id), std::move(token), "NX", "PX",
                     std::to_string(options_.group_lock_ttl.count())};
  base::Result<redis::Reply> locked = co_await redis_->Command(std::move(set));
  if (!locked) co_return locked.error();
  co_return locked->IsStatus() || locked->IsString();
}

asio::awaitable<base::Result<core::AppendResult>> RedisMysqlStore::ChangeLocked(
    core::AppendRequest& request) {
  const core::GroupChange& change = *request.group_change;
  const protocol::Message& m = request.message;
  const std::string& group_id = change.group_id;

  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::vector<redis::Args> reads = {{"GET", keys_.MsgId(m.sender_id, m.msg_id)},
                                      {"HGETALL", keys_.Group(group_id)},
                                      {"HGETALL", keys_.Members(group_id)},
                                      {"GET", keys_.GroupPendingChange(group_id)}};
    base::Result<std::vector<redis::Reply>> state = co_await redis_->Pipeline(std::move(reads));
    if (!state) co_return state.error();
    if ((*state)[3].IsString()) {
      // The previous change never said whether it committed (its gateway
      // died, or its lock ran out): settle it before computing on its state.
      base::Result<void> settled = co_await SettlePendingChange(group_id, (*state)[3].str());
      if (!settled) co_return settled.error();
      continue;
    }
    if ((*state)[0].IsString()) {
      const std::optional<MsgIdEntry> entry = ParseMsgIdEntry((*state)[0].str());
      if (entry && !entry->committed && entry->conversation_id == m.conversation_id) {
        // An earlier attempt of this change reserved entry->seq and nobody
        // settled it (no pending-change key, e.g. its undo's DEL failed):
        // it committed (a duplicate) or never will once its seq is a hole.
        base::Result<bool> abandoned = co_await ClaimSeqAsHole(m.conversation_id, entry->seq);
        if (!abandoned) co_return abandoned.error();
        if (*abandoned) {
          base::Result<void> dropped =
              co_await DeleteIfEqual(keys_.MsgId(m.sender_id, m.msg_id), (*state)[0].str());
          if (!dropped) co_return dropped.error();
          continue;  // computed afresh, at a new seq
        }
        // The seq is taken, by this change (it committed) or by a hole.
        base::Result<core::AppendResult> dup = co_await Duplicate(m.sender_id, m.msg_id, true);
        co_return dup;
      }
      base::Result<core::AppendResult> dup =
          co_await Duplicate(m.sender_id, m.msg_id, entry && entry->committed);
      co_return dup;
    }
    const std::map<std::string, std::string> meta = HashOf((*state)[1]);
    if (meta.empty()) {
      base::Result<void> seeded = co_await SeedGroup(group_id);
      if (!seeded) co_return seeded.error();
      continue;
    }
    const GroupPtr before = RecordOf(group_id, meta, HashOf((*state)[2]));
    // Join seqs are recorded by Finish, once the script assigned the seq.
    base::Result<GroupChangeOutcome> outcome =
        ApplyGroupChange(before.get(), change, m.send_time, 0);
    if (!outcome) {
      // A retry whose idempotency entry is gone is refused by the rules
      // (e.g. "already a member") although it was stored: MySQL knows.
      base::Result<core::AppendResult> dup = co_await Duplicate(m.sender_id, m.msg_id, true);
      if (dup) co_return dup;
      co_return outcome.error();
    }
    const GroupRecord& after = *outcome->group;
    const auto token_it = meta.find("token");
    const std::string expected = token_it == meta.end() ? std::string() : token_it->second;
    const std::string new_token = RandomToken();

    std::vector<std::string> args = MessageScriptArgs(m, group_id);
    args.insert(args.end(), {expected, new_token, after.info.name, after.info.owner_id,
                             std::to_string(after.info.created_at)});
    std::vector<std::string> settings = SettingsArgs(after.info);
    args.insert(args.end(), settings.begin(), settings.end());
    args.push_back(std::to_string(outcome->added.size()));
    GroupChangeRows rows;
    rows.group_id = group_id;
    rows.create = change.op == core::GroupOp::kCreate;
    rows.name = after.info.name;
    rows.owner_id = after.info.owner_id;
    rows.created_at = after.info.created_at;
    rows.owner_changed = outcome->owner_changed;
    rows.settings_changed = outcome->settings_changed;
    rows.join_policy = settings[0];
    rows.history_visibility = settings[1];
    rows.removed = outcome->removed;
    rows.banned = outcome->banned;
    rows.unbanned = outcome->unbanned;
    rows.send_policy = settings[3];
    for (const std::string& user : outcome->touched) {
      rows.touched.push_back({user, after.info.RoleOf(user), after.info.MutedUntil(user)});
    }
    for (const std::string& user : outcome->added) {
      const std::int64_t join_time = after.JoinTimeOf(user);
      args.push_back(user);
      args.push_back(std::to_string(join_time));
      rows.added.emplace_back(user, join_time);
    }
    args.push_back(std::to_string(outcome->removed.size()));
    args.insert(args.end(), outcome->removed.begin(), outcome->removed.end());
    args.push_back(std::to_string(outcome->recipients->size()));
    args.insert(args.end(), outcome->recipients->begin(), outcome->recipients->end());

    base::Result<redis::Reply> reply = co_await RunScript(*change_script_, std::move(args));
    PARLEY_CO_ASSIGN_OR_RETURN(const std::vector<redis::Reply>* elements, TaggedElements(reply));
    const auto& e = *elements;
    const std::string tag = e[0].str();
    if (tag == "ok" && e.size() >= 3) {
      const std::int64_t seq = e[1].integer();
      const bool inboxed = e[2].integer() != 0;
      const bool sender_left = std::binary_search(outcome->removed.begin(),
                                                  outcome->removed.end(), m.sender_id);
      base::Result<core::AppendResult> done =
          co_await Finish(request, seq, outcome->recipients, inboxed, std::move(rows),
                          sender_left ? SenderAck::kStays : SenderAck::kMovesToTheMessage);
      if (done && !done->duplicate) CacheMembers(group_id, new_token, after.info.members);
      co_return done;
    }
    if (tag == "dup" && e.size() >= 2) {
      const std::optional<MsgIdEntry> entry = ParseMsgIdEntry(e[1].str());
      base::Result<core::AppendResult> dup =
          co_await Duplicate(m.sender_id, m.msg_id, entry && entry->committed);
      co_return dup;
    }
    // The group changed since it was read, or a change is pending (our lock
    // expired meanwhile): read again.
    if (tag == "stale") continue;
    base::Result<void> seeded = co_await Seed(tag, m.conversation_id, group_id);
    if (!seeded) co_return seeded.error();
  }
  co_return Unavailable("group state keeps changing, retry");
}

// ---- settling a change whose gateway died --------------------------------
//
// The change script applies a change to Redis's copy of the group and names
// it in the group's pending-change key before MySQL commits it; the gateway
// clears the key once the commit succeeded, or undoes the change when it
// failed. A gateway that dies in between leaves the key, and its lock runs
// out. The next change of the group (under the lock), or the next message
// (the append script asks when the key outlived the lock), settles it with
// MySQL as the judge: a hole row at the change's seq either lands — the
// change never committed and now never can, since its INSERT would find the
// seq taken; Redis's copy of the group is dropped and re-read from MySQL —
// or finds the change's row: it committed, and only the key is cleared.
// Either way, whoever settles waits for nothing but MySQL.

asio::awaitable<base::Result<bool>> RedisMysqlStore::ClaimSeqAsHole(std::string conversation_id,
                                                                    std::int64_t seq) {
  const std::int64_t now = options_.clock->NowMs();
  auto write = [&](mysql::Session& s) { return sql::WriteHole(s, conversation_id, seq, now); };
  base::Result<std::uint64_t> written = co_await pool_->Run(std::move(write));
  Note(written);
  if (!written) co_return written.error();
  co_return *written == 1;
}

asio::awaitable<base::Result<void>> RedisMysqlStore::DeleteIfEqual(std::string key,
                                                                   std::string value) {
  std::vector<std::string> keys = {std::move(key)};
  std::vector<std::string> args = {std::move(value)};
  base::Result<redis::Reply> deleted =
      co_await unlock_script_->Run(*redis_, std::move(keys), std::move(args));
  if (!deleted) co_return deleted.error();
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<void>> RedisMysqlStore::UndoChange(std::string group_id,
                                                                std::string pending_change) {
  // Only while the key still names this change: once another change settled
  // it, the group's Redis state is that change's, not ours to drop.
  std::vector<std::string> keys = {keys_.GroupPendingChange(group_id), keys_.Group(group_id),
                                   keys_.Members(group_id)};
  std::vector<std::string> args = {std::move(pending_change)};
  base::Result<redis::Reply> undone =
      co_await undo_change_script_->Run(*redis_, std::move(keys), std::move(args));
  if (!undone) co_return undone.error();
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<void>> RedisMysqlStore::SettlePendingChange(std::string group_id,
                                                                         std::string value) {
  const std::optional<PendingChange> change = ParsePendingChange(value);
  if (change) {
    const std::string conv = base::GroupConversationId(group_id);
    base::Result<bool> abandoned = co_await ClaimSeqAsHole(conv, change->seq);
    if (!abandoned) co_return abandoned.error();
    if (*abandoned) {
      // Its retry finds no entry and is computed afresh. (The value is built
      // before co_await: GCC 12 destroys temporaries of a co_await's
      // full-expression twice.)
      std::string entry = MsgIdEntryValue(MsgIdEntry{false, change->seq, conv});
      base::Result<void> dropped = co_await DeleteIfEqual(change->msgid_key, std::move(entry));
      if (!dropped) co_return dropped.error();
      base::Result<void> undone = co_await UndoChange(group_id, value);
      co_return undone;
    }
  }
  // Committed (or a value this version cannot read): keep the state.
  base::Result<void> cleared = co_await DeleteIfEqual(keys_.GroupPendingChange(group_id), value);
  co_return cleared;
}

asio::awaitable<base::Result<void>> RedisMysqlStore::SettleAbandonedChange(std::string group_id) {
  // Under the group's lock, so no change starts meanwhile; when another
  // gateway holds it, that one settles the change before its own.
  const std::string token = RandomToken();
  base::Result<bool> locked = co_await TryLockGroup(group_id, token);
  if (!locked) co_return locked.error();
  if (!*locked) co_return base::Result<void>{};
  redis::Args get = {"GET", keys_.GroupPendingChange(group_id)};
  base::Result<redis::Reply> pending = co_await redis_->Command(std::move(get));
  base::Result<void> settled;
  if (!pending) {
    settled = pending.error();
  } else if (pending->IsString()) {
    settled = co_await SettlePendingChange(group_id, pending->str());
  }
  base::Result<void> unlocked = co_await DeleteIfEqual(keys_.GroupLock(group_id), token);
  (void)unlocked;  // a lock we could not release expires by itself
  co_return settled;
}

// ---- re-seeding Redis from MySQL -----------------------------------------

asio::awaitable<base::Result<void>> RedisMysqlStore::Seed(const std::string& what,
                                                          const std::string& conversation_id,
                                                          const std::string& group_id) {
  if (what == "seed_seq") {
    base::Result<void> seeded = co_await SeedSeq(conversation_id);
    co_return seeded;
  }
  if (what == "seed_group" && !group_id.empty()) {
    base::Result<void> seeded = co_await SeedGroup(group_id);
    co_return seeded;
  }
  if (what == "seed_floor") {
    base::Result<void> seeded = co_await SeedInboxFloor();
    co_return seeded;
  }
  co_return base::MakeError(base::Code::kInternal, "redis script: unexpected answer " + what);
}

// The counter continues after the highest seq MySQL holds (holes included),
// so no seq of a committed message is ever handed out again. NX: another
// gateway may have seeded (and used) it meanwhile.
asio::awaitable<base::Result<void>> RedisMysqlStore::SeedSeq(std::string conversation_id) {
  auto read = [&](mysql::Session& s) { return sql::MaxAssignedSeq(s, conversation_id); };
  base::Result<std::int64_t> max = co_await pool_->Run(std::move(read), mysql::Access::kReadOnly);
  Note(max);
  if (!max) co_return max.error();
  redis::Args set = {"SET", keys_.Seq(conversation_id), std::to_string(*max), "NX"};
  base::Result<redis::Reply> reply = co_await redis_->Command(std::move(set));
  if (!reply) co_return reply.error();
  co_return base::Result<void>{};
}

asio::awaitable<base::Result<void>> RedisMysqlStore::SeedGroup(std::string group_id) {
  auto load = [&](mysql::Session& s) { return sql::LoadGroup(s, group_id); };
  base::Result<GroupPtr> group = co_await pool_->Run(std::move(load), mysql::Access::kReadOnly);
  Note(group);
  if (!group) co_return group.error();
  const GroupPtr& g = *group;
  // A "no such group" marker expires soon, so it cannot hide a group for long
  // if something ever writes MySQL without Redis.
  constexpr std::int64_t kMarkerTtlMs = 60000;
  std::vector<std::string> args = {keys_.prefix(),
                                   group_id,
                                   g ? "1" : "0",
                                   RandomToken(),
                                   g ? g->info.name : std::string(),
                                   g ? g->info.owner_id : std::string(),
                                   g ? std::to_string(g->info.created_at) : std::string("0"),
                                   std::to_string(kMarkerTtlMs)};
  if (g) {
    std::vector<std::string> settings = SettingsArgs(g->info);
    args.insert(args.end(), settings.begin(), settings.end());
    for (std::size_t i = 0; i < g->info.members->size(); ++i) {
      args.push_back((*g->info.members)[i]);
      args.push_back(std::to_string(g->join_times[i]));
    }
  }
  base::Result<redis::Reply> reply = co_await RunScript(*seed_group_script_, std::move(args));
  if (!reply) co_return reply.error();
  co_return base::Result<void>{};
}

// SeedInboxFloor: inbox_floor.cc.

void RedisMysqlStore::Forget(std::vector<std::string> keys) {
  redis::Args del = {"DEL"};
  del.insert(del.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
  asio::co_spawn(backend_.executor(), SendAndForget(redis_, std::move(del)), asio::detached);
}

void RedisMysqlStore::KeepPending(const std::string& msgid_key, const std::string& pending) {
  redis::Args eval = {"EVAL", lua::ExpireIfEqualScript(), "1", msgid_key, pending,
                      std::to_string(options_.pending_ttl.count())};
  asio::co_spawn(backend_.executor(), SendAndForget(redis_, std::move(eval)), asio::detached);
}

void RedisMysqlStore::MarkCommitted(const std::string& sender_id, const std::string& msg_id,
                                    const MsgIdEntry& entry) {
  redis::Args set = {"SET", keys_.MsgId(sender_id, msg_id), MsgIdEntryValue(entry), "PX",
                     std::to_string(options_.msgid_ttl.count())};
  asio::co_spawn(backend_.executor(), SendAndForget(redis_, std::move(set)), asio::detached);
}

}  // namespace parley::store
