#include "cli_group_commands.h"

#include <charconv>
#include <chrono>

#include "cli_args.h"
#include "cli_format.h"

namespace parley::tools {
namespace {

constexpr std::string_view kUsage =
    "group create NAME [USER...] | join ID | leave ID | invite ID USER... | kick ID USER... | "
    "unban ID USER... | promote ID USER... | demote ID USER... | transfer ID USER | "
    "mute ID SECONDS USER... (0: until unmuted) | unmute ID USER... | "
    "set ID join_policy=invite|open history_visibility=joined|shared "
    "only_admins_send=true|false | members ID | mine";

std::string_view GroupId(std::string_view word) {
  return word.starts_with('#') ? word.substr(1) : word;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

CommandStatus Report(const base::Result<client::GroupReply>& reply, const std::string& done,
                     const Output& out) {
  if (!reply) return Fail(out, reply.error());
  out.line("✓ " + done);
  return CommandStatus::kOk;
}

CommandStatus Members(client::SyncClient& client, std::string_view id, const Output& out) {
  auto info = client.GroupMembers(id);
  if (!info) return Fail(out, info.error());
  out.line("#" + info->group_id + " \"" + info->name + "\" (owner " + info->owner_id +
           "): " + JoinWords(info->members));
  if (!info->admins.empty()) out.line("  admins: " + JoinWords(info->admins));
  for (const client::GroupMute& mute : info->muted) {
    out.line("  muted: " + mute.user_id + " " + FormatMuteEnd(mute.until));
  }
  if (info->send_policy == client::SendPolicy::kOnlyAdmins) out.line("  only admins send");
  return CommandStatus::kOk;
}

// "mute ID SECONDS USER...": SECONDS from now, 0 for "until unmuted".
CommandStatus Mute(client::SyncClient& client, std::string_view id,
                   std::vector<std::string> words, const std::string& group, const Output& out) {
  if (words.size() < 2) return Usage(out, kUsage);
  std::int64_t seconds = -1;
  const std::string& text = words.front();
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || seconds < 0) {
    return Usage(out, kUsage);
  }
  words.erase(words.begin());
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::int64_t until = seconds == 0 ? 0 : now + seconds * 1000;
  return Report(client.GroupMute(id, words, until),
                "muted " + JoinWords(words) + " in " + group + " " + FormatMuteEnd(until), out);
}

CommandStatus Mine(client::SyncClient& client, const Output& out) {
  auto groups = client.MyGroups();
  if (!groups) return Fail(out, groups.error());
  if (groups->empty()) out.line("(no groups)");
  for (const client::GroupSummary& g : *groups) {
    out.line("#" + g.group_id + "  \"" + g.name + "\"  " + std::to_string(g.member_count) +
             (g.member_count == 1 ? " member" : " members") + "  owner " + g.owner_id);
  }
  return CommandStatus::kOk;
}

// "set ID name=value...": the group's settings.
CommandStatus Settings(client::SyncClient& client, std::string_view id,
                       const std::vector<std::string>& words, const std::string& group,
                       const Output& out) {
  std::vector<std::pair<std::string, std::string>> settings;
  for (const std::string& word : words) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) return Usage(out, kUsage);
    settings.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  if (settings.empty()) return Usage(out, kUsage);
  return Report(client.GroupSettings(id, settings), "changed the settings of " + group, out);
}

}  // namespace

CommandStatus RunGroupCommand(client::SyncClient& client, std::string_view args,
                              const Output& out) {
  std::string_view op = NextWord(args);
  if (op == "mine") return Words(args).empty() ? Mine(client, out) : Usage(out, kUsage);

  std::string_view first = NextWord(args);
  std::vector<std::string> users = Words(args);
  if (first.empty()) return Usage(out, kUsage);
  if (op == "create") {
    auto reply = client.GroupCreate(first, users);
    if (!reply) return Fail(out, reply.error());
    out.line(reply->group_id);  // alone on its line, for scripts
    return CommandStatus::kOk;
  }

  std::string_view id = GroupId(first);
  std::string group = "#" + std::string(id);
  if (op == "set") return Settings(client, id, users, group, out);
  if (op == "mute") return Mute(client, id, users, group, out);
  if (op == "transfer") {
    if (users.size() != 1) return Usage(out, kUsage);
    return Report(client.GroupTransfer(id, users[0]),
                  "handed " + group + " over to " + users[0], out);
  }
  bool takes_users = op == "invite" || op == "kick" || op == "unban" || op == "promote" ||
                     op == "demote" || op == "unmute";
  if (takes_users == users.empty()) return Usage(out, kUsage);
  if (op == "members") return Members(client, id, out);
  if (op == "join") return Report(client.GroupJoin(id), "joined " + group, out);
  if (op == "leave") return Report(client.GroupLeave(id), "left " + group, out);
  if (op == "invite") {
    return Report(client.GroupInvite(id, users), "added " + JoinWords(users) + " to " + group, out);
  }
  if (op == "kick") {
    return Report(client.GroupKick(id, users), "removed " + JoinWords(users) + " from " + group,
                  out);
  }
  if (op == "unban") {
    return Report(client.GroupUnban(id, users), "lifted the ban on " + JoinWords(users) + " in " + group,
                  out);
  }
  if (op == "promote") {
    return Report(client.GroupPromote(id, users), "made " + JoinWords(users) + " admin of " + group,
                  out);
  }
  if (op == "demote") {
    const char* role = users.size() == 1 ? " a plain member of " : " plain members of ";
    return Report(client.GroupDemote(id, users), "made " + JoinWords(users) + role + group, out);
  }
  if (op == "unmute") {
    return Report(client.GroupUnmute(id, users), "unmuted " + JoinWords(users) + " in " + group,
                  out);
  }
  return Usage(out, kUsage);
}

}  // namespace parley::tools
