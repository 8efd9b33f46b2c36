#include "migrate/migration.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "migrate/cluster_target.h"
#include "migrate/embedded_source.h"
#include "migrate/media_copy.h"

namespace parley::migrate {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kPage = 1000;       // messages read and written per round
constexpr std::size_t kRowBatch = 1000;   // users and positions per INSERT round
constexpr std::size_t kMaxDifferences = 100;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Endpoints {
  std::unique_ptr<EmbeddedSource> source;
  std::unique_ptr<ClusterTarget> target;
};

base::Result<Endpoints> OpenBoth(const MigrateOptions& options) {
  PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedSource> source,
                          EmbeddedSource::Open(options.data_dir));
  PARLEY_ASSIGN_OR_RETURN(
      std::unique_ptr<ClusterTarget> target,
      ClusterTarget::Open(options.mysql_url, options.redis, options.redis_prefix));
  return Endpoints{std::move(source), std::move(target)};
}

// Prints a line at most every few seconds while a long phase runs.
class Ticker {
 public:
  explicit Ticker(const Progress& progress) : progress_(progress) {}
  template <typename MakeLine>
  void Tick(MakeLine make_line) {
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    progress_(make_line());
  }

 private:
  const Progress& progress_;
  Clock::time_point last_ = Clock::now();
};

// Copies the conversation's messages after the target's highest seq; the
// targets of new events that were copied before are copied again, with
// their edits (a recall erases the edits' text too).
base::Result<void> CopyConversation(EmbeddedSource& source, ClusterTarget& target,
                                    const std::string& conversation_id,
                                    const MigrateOptions& options, std::int64_t now_ms,
                                    MigrationReport& report) {
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t copied_before, target.MaxSeq(conversation_id));
  report.messages_present += copied_before;
  std::set<std::int64_t> touched;
  for (std::int64_t after = copied_before;;) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<protocol::Message> page,
                            source.MessagesAfter(conversation_id, after, kPage));
    if (page.empty()) break;
    for (const protocol::Message& m : page) {
      if (protocol::IsEvent(m.msg_type) && m.target_seq <= copied_before) {
        touched.insert(m.target_seq);
      }
    }
    PARLEY_TRY(target.PutMessages(page));
    PARLEY_TRY(target.PutMsgIds(page, now_ms, options.msgid_ttl));
    report.messages += static_cast<std::int64_t>(page.size());
    after = page.back().seq;
  }
  for (std::int64_t target_seq : touched) {
    std::vector<protocol::Message> again;
    base::Result<protocol::Message> message = source.MessageAt(conversation_id, target_seq);
    if (!message) continue;  // an event naming a seq that holds nothing: nothing to redo
    again.push_back(std::move(*message));
    PARLEY_ASSIGN_OR_RETURN(std::vector<std::int64_t> edits,
                            source.EditsOf(conversation_id, target_seq));
    for (std::int64_t edit_seq : edits) {
      PARLEY_ASSIGN_OR_RETURN(protocol::Message edit, source.MessageAt(conversation_id, edit_seq));
      again.push_back(std::move(edit));
    }
    PARLEY_TRY(target.PutMessages(again));
  }
  return {};
}

template <typename T, typename Put>
base::Result<void> PutInBatches(std::vector<T>& pending, bool last, Put put) {
  if (pending.size() < kRowBatch && !last) return {};
  PARLEY_TRY(put(pending));
  pending.clear();
  return {};
}

}  // namespace

base::Result<MigrationReport> Migrate(const MigrateOptions& options, const Progress& progress) {
  const auto started = Clock::now();
  PARLEY_ASSIGN_OR_RETURN(Endpoints both, OpenBoth(options));
  EmbeddedSource& source = *both.source;
  ClusterTarget& target = *both.target;
  PARLEY_ASSIGN_OR_RETURN(const TargetState state, target.Prepare());
  if (state == TargetState::kForeign) {
    return base::MakeError(base::Code::kConflict,
                           "the cluster database already holds users, groups or messages that no "
                           "migration wrote: migrate into an empty database");
  }
  progress(state == TargetState::kEmpty ? "target is empty: migrating"
                                        : "target holds an earlier migration: resuming");
  PARLEY_TRY(target.SetState(TargetState::kMigrating));
  const std::int64_t now_ms = NowMs();
  MigrationReport report;

  std::vector<core::UserRecord> users;
  PARLEY_TRY(source.ForEachUser([&](const core::UserRecord& user) -> base::Result<void> {
    users.push_back(user);
    ++report.users;
    return PutInBatches(users, false, [&](auto& rows) { return target.PutUsers(rows); });
  }));
  PARLEY_TRY(PutInBatches(users, true, [&](auto& rows) { return target.PutUsers(rows); }));
  progress("users: " + std::to_string(report.users));

  PARLEY_TRY(source.ForEachGroup([&](const GroupRecord& group) -> base::Result<void> {
    ++report.groups;
    return target.PutGroup(group);
  }));
  progress("groups: " + std::to_string(report.groups));

  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> conversations, source.Conversations());
  Ticker ticker(progress);
  const auto messages_started = Clock::now();
  for (const std::string& conversation_id : conversations) {
    PARLEY_TRY(CopyConversation(source, target, conversation_id, options, now_ms, report));
    ++report.conversations;
    ticker.Tick([&] {
      return "messages: " + std::to_string(report.messages) + " copied, conversation " +
             std::to_string(report.conversations) + "/" + std::to_string(conversations.size());
    });
  }
  const double message_seconds =
      std::chrono::duration<double>(Clock::now() - messages_started).count();
  progress("messages: " + std::to_string(report.messages) + " copied (" +
           std::to_string(report.messages_present) + " already there) in " +
           std::to_string(report.conversations) + " conversations, " +
           std::to_string(static_cast<std::int64_t>(
               message_seconds > 0 ? static_cast<double>(report.messages) / message_seconds : 0)) +
           " messages/s");

  std::vector<Position> positions;
  PARLEY_TRY(source.ForEachPosition([&](const Position& position) -> base::Result<void> {
    positions.push_back(position);
    ++report.positions;
    return PutInBatches(positions, false, [&](auto& rows) { return target.PutPositions(rows); });
  }));
  PARLEY_TRY(PutInBatches(positions, true, [&](auto& rows) { return target.PutPositions(rows); }));
  progress("read and delivered positions: " + std::to_string(report.positions));

  PARLEY_TRY(source.ForEachOutboxEntry([&](const OutboxRow& row) -> base::Result<void> {
    ++report.outbox_entries;
    return target.PutOutboxEntry(row);
  }));

  const std::int64_t oldest_kept = now_ms - options.inbox_retention.count();
  PARLEY_TRY(source.ForEachInbox(oldest_kept, [&](const Inbox& inbox) -> base::Result<void> {
    ++report.inboxes;
    report.inbox_entries += static_cast<std::int64_t>(inbox.items.size());
    return target.PutInbox(inbox, now_ms, options.inbox_retention);
  }));
  PARLEY_TRY(target.FlushRedis());
  progress("inboxes: " + std::to_string(report.inboxes) + " users, " +
           std::to_string(report.inbox_entries) + " entries; webhook outbox: " +
           std::to_string(report.outbox_entries));

  if (!options.media_dir.empty()) {
    const std::string from = options.media_from.empty()
                                 ? (std::filesystem::path(options.data_dir) / "media").string()
                                 : options.media_from;
    PARLEY_ASSIGN_OR_RETURN(report.media_files, CopyMediaDir(from, options.media_dir));
    progress("media files: " + std::to_string(report.media_files) + " copied");
  }

  PARLEY_TRY(target.SetState(TargetState::kMigrated));
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

// ---- --verify --------------------------------------------------------------

namespace {

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(context_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Add(std::string_view bytes) { EVP_DigestUpdate(context_, bytes.data(), bytes.size()); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, digest, &length);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
      out += kDigits[digest[i] >> 4];
      out += kDigits[digest[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* context_;
};

bool SameUser(const core::UserRecord& a, const core::UserRecord& b) {
  return a.user_id == b.user_id && a.password_hash == b.password_hash &&
         a.created_at == b.created_at && a.standing == b.standing &&
         a.tokens_valid_after == b.tokens_valid_after;
}

bool SameGroup(const GroupRecord& a, const GroupRecord& b) {
  const core::GroupInfo& x = a.info;
  const core::GroupInfo& y = b.info;
  auto bans = [](const core::GroupInfo& g) {
    return g.banned ? *g.banned : std::vector<std::string>();
  };
  if (x.name != y.name || x.owner_id != y.owner_id || x.created_at != y.created_at ||
      x.join_policy != y.join_policy || x.history_visibility != y.history_visibility ||
      x.send_policy != y.send_policy || bans(x) != bans(y) ||
      a.members.size() != b.members.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.members.size(); ++i) {
    const MemberRow& m = a.members[i];
    const MemberRow& n = b.members[i];
    if (m.user_id != n.user_id || m.value.role != n.value.role ||
        m.value.join_time != n.value.join_time || m.value.join_seq != n.value.join_seq ||
        m.value.muted_until != n.value.muted_until) {
      return false;
    }
  }
  return true;
}

// Compares one conversation page by page; the first difference is enough.
base::Result<void> VerifyConversation(EmbeddedSource& source, ClusterTarget& target,
                                      const std::string& conversation_id, VerifyReport& report,
                                      std::vector<std::string>& differences) {
  Sha256 digest;
  VerifyReport::Conversation summary{conversation_id, 0, ""};
  for (std::int64_t after = 0;;) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<protocol::Message> mine,
                            source.MessagesAfter(conversation_id, after, kPage));
    PARLEY_ASSIGN_OR_RETURN(std::vector<protocol::Message> theirs,
                            target.MessagesAfter(conversation_id, after, kPage));
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const std::string json = protocol::SerializeMessage(mine[i]);
      digest.Add(json);
      digest.Add(std::string_view("\n", 1));
      if (i >= theirs.size() || protocol::SerializeMessage(theirs[i]) != json) {
        differences.push_back(conversation_id + ": seq " + std::to_string(mine[i].seq) +
                              (i >= theirs.size() ? " is missing" : " differs"));
        return {};
      }
    }
    if (theirs.size() > mine.size()) {
      differences.push_back(conversation_id + ": seq " + std::to_string(theirs[mine.size()].seq) +
                            " is not on the source");
      return {};
    }
    summary.messages += static_cast<std::int64_t>(mine.size());
    if (mine.size() < kPage) break;
    after = mine.back().seq;
  }
  summary.sha256 = digest.Hex();
  report.messages += summary.messages;
  report.checksums.push_back(std::move(summary));
  return {};
}

}  // namespace

base::Result<VerifyReport> Verify(const MigrateOptions& options) {
  PARLEY_ASSIGN_OR_RETURN(Endpoints both, OpenBoth(options));
  EmbeddedSource& source = *both.source;
  ClusterTarget& target = *both.target;
  VerifyReport report;
  std::vector<std::string>& differences = report.differences;

  PARLEY_ASSIGN_OR_RETURN(std::vector<core::UserRecord> their_users, target.Users());
  std::size_t next_user = 0;  // both sides come in user_id order
  PARLEY_TRY(source.ForEachUser([&](const core::UserRecord& user) -> base::Result<void> {
    ++report.users;
    if (next_user >= their_users.size() || !SameUser(user, their_users[next_user])) {
      differences.push_back("user " + user.user_id + " is missing or differs");
    }
    ++next_user;
    return {};
  }));
  if (their_users.size() != static_cast<std::size_t>(report.users)) {
    differences.push_back("users: " + std::to_string(report.users) + " on the source, " +
                          std::to_string(their_users.size()) + " on the target");
  }

  PARLEY_TRY(source.ForEachGroup([&](const GroupRecord& group) -> base::Result<void> {
    ++report.groups;
    base::Result<GroupRecord> theirs = target.Group(group.info.group_id);
    if (!theirs && theirs.error().code != base::Code::kNotFound) return theirs.error();
    GroupRecord mine = group;
    std::sort(mine.members.begin(), mine.members.end(),
              [](const MemberRow& a, const MemberRow& b) { return a.user_id < b.user_id; });
    if (!theirs || !SameGroup(mine, *theirs)) {
      differences.push_back("group " + group.info.group_id + " is missing or differs");
    }
    return {};
  }));
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t their_groups, target.GroupCount());
  if (their_groups != report.groups) {
    differences.push_back("groups: " + std::to_string(report.groups) + " on the source, " +
                          std::to_string(their_groups) + " on the target");
  }

  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> conversations, source.Conversations());
  for (const std::string& conversation_id : conversations) {
    ++report.conversations;
    PARLEY_TRY(VerifyConversation(source, target, conversation_id, report, differences));
  }
  PARLEY_ASSIGN_OR_RETURN(const std::int64_t their_conversations, target.ConversationCount());
  if (their_conversations != report.conversations) {
    differences.push_back("conversations: " + std::to_string(report.conversations) +
                          " on the source, " + std::to_string(their_conversations) +
                          " on the target");
  }

  PARLEY_ASSIGN_OR_RETURN(std::vector<Position> their_positions, target.Positions());
  std::size_t next_position = 0;  // both sides in (user, conversation) order
  PARLEY_TRY(source.ForEachPosition([&](const Position& p) -> base::Result<void> {
    ++report.positions;
    const Position* q =
        next_position < their_positions.size() ? &their_positions[next_position] : nullptr;
    ++next_position;
    if (q == nullptr || q->user_id != p.user_id || q->conversation_id != p.conversation_id ||
        q->read_seq < p.read_seq || q->delivered_seq < p.delivered_seq) {
      differences.push_back("position of " + p.user_id + " in " + p.conversation_id +
                            " is missing or behind");
    }
    return {};
  }));
  if (their_positions.size() != static_cast<std::size_t>(report.positions)) {
    differences.push_back("positions: " + std::to_string(report.positions) + " on the source, " +
                          std::to_string(their_positions.size()) + " on the target");
  }

  // Inbox cursors: every user's inbox_seq must have reached the source's,
  // or a device's cursor would be ahead of the inbox.
  PARLEY_TRY(source.ForEachInbox(std::numeric_limits<std::int64_t>::max(),
                                 [&](const Inbox& inbox) -> base::Result<void> {
                                   PARLEY_ASSIGN_OR_RETURN(const std::int64_t theirs,
                                                           target.InboxSeq(inbox.user_id));
                                   if (theirs < inbox.newest_inbox_seq) {
                                     differences.push_back("inbox_seq of " + inbox.user_id +
                                                           " is behind");
                                   }
                                   return {};
                                 }));
  if (differences.size() > kMaxDifferences) differences.resize(kMaxDifferences);
  return report;
}

}  // namespace parley::migrate
