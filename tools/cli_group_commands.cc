#include "cli_group_commands.h"

#include "cli_args.h"

namespace parley::tools {
namespace {

constexpr std::string_view kUsage =
    "group create NAME [USER...] | join ID | leave ID | invite ID USER... | kick ID USER... | "
    "unban ID USER... | set ID join_policy=invite|open history_visibility=joined|shared | "
    "members ID | mine";

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
  return CommandStatus::kOk;
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
  bool takes_users = op == "invite" || op == "kick" || op == "unban";
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
  return Usage(out, kUsage);
}

}  // namespace parley::tools
