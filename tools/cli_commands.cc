#include "cli_commands.h"

#include <algorithm>
#include <charconv>

#include "base/ids.h"

namespace parley::tools {
namespace {

constexpr std::string_view kHelp =
    "commands:\n"
    "  send USER TEXT...      send a direct message (send #GROUP TEXT for a group)\n"
    "  history USER [N]       the last N messages with USER or #GROUP (default 20)\n"
    "  conversations          your conversations with unread counts\n"
    "  help                   this text\n"
    "  quit                   leave (Ctrl-D works too)";

constexpr std::string_view kGroupPrefix = "group_";

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits off the first word; `rest` keeps the remaining text as typed.
std::string_view NextWord(std::string_view& rest) {
  rest = TrimLeft(rest);
  std::size_t end = rest.find_first_of(" \t");
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return word;
}

// "bob" -> private conversation with `me`; "#team" -> group_team.
base::Result<std::string> ConversationOf(const std::string& me, std::string_view target) {
  bool group = target.starts_with('#');
  std::string_view id = group ? target.substr(1) : target;
  if (!base::IsValidUserId(id)) {
    return base::MakeError(base::Code::kBadRequest, "not a valid user or group id: '" +
                                                        std::string(target) + "'");
  }
  return group ? base::GroupConversationId(id) : base::PrivateConversationId(me, id);
}

// How a conversation is named to the user: the peer, or #group.
std::string DisplayName(const std::string& me, const std::string& conversation_id) {
  if (conversation_id.starts_with(kGroupPrefix)) {
    return "#" + conversation_id.substr(kGroupPrefix.size());
  }
  if (auto ref = base::ParseConversationId(conversation_id)) {
    return ref->first == me ? ref->second : ref->first;
  }
  return conversation_id;
}

CommandStatus Fail(const Output& out, const base::Error& error) {
  out.error(FormatError(error));
  return CommandStatus::kFailed;
}

CommandStatus Usage(const Output& out, std::string_view usage) {
  return Fail(out, base::MakeError(base::Code::kBadRequest, "usage: " + std::string(usage)));
}

CommandStatus Send(client::SyncClient& client, const std::string& me, std::string_view args,
                   const Output& out) {
  std::string_view target = NextWord(args);
  std::string_view text = TrimRight(TrimLeft(args));
  if (target.empty() || text.empty()) return Usage(out, "send USER|#GROUP TEXT...");
  auto conversation = ConversationOf(me, target);
  if (!conversation) return Fail(out, conversation.error());
  auto ack = target.starts_with('#') ? client.SendToConversation(*conversation, text)
                                     : client.SendTo(target, text);
  if (!ack) return Fail(out, ack.error());
  out.line("✓ seq " + std::to_string(ack->seq));
  return CommandStatus::kOk;
}

CommandStatus History(client::SyncClient& client, const std::string& me, std::string_view args,
                      const Output& out) {
  std::string_view target = NextWord(args);
  std::string_view count_text = NextWord(args);
  std::int64_t count = 20;
  if (!count_text.empty()) {
    auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(),
                                     count);
    if (ec != std::errc() || end != count_text.data() + count_text.size() || count < 1) {
      return Usage(out, "history USER|#GROUP [N]  (N >= 1)");
    }
  }
  if (target.empty() || !TrimLeft(args).empty()) return Usage(out, "history USER|#GROUP [N]");
  auto conversation = ConversationOf(me, target);
  if (!conversation) return Fail(out, conversation.error());
  auto messages = client.History(*conversation, 0, count);
  if (!messages) return Fail(out, messages.error());
  if (messages->empty()) out.line("(no messages)");
  // The server answers newest first; a transcript reads oldest first.
  std::for_each(messages->rbegin(), messages->rend(),
                [&](const protocol::Message& m) { out.line(FormatMessage(m)); });
  return CommandStatus::kOk;
}

CommandStatus Conversations(client::SyncClient& client, const std::string& me,
                            const Output& out) {
  auto list = client.Conversations();
  if (!list) return Fail(out, list.error());
  if (list->empty()) out.line("(no conversations)");
  for (const client::ConversationInfo& c : *list) {
    std::string line = DisplayName(me, c.conversation_id);
    line += c.unread > 0 ? "  (" + std::to_string(c.unread) + " unread)" : "  (read)";
    if (c.last_message) line += "  last: " + FormatMessage(*c.last_message);
    out.line(line);
  }
  return CommandStatus::kOk;
}

}  // namespace

std::string FormatMessage(const protocol::Message& m) {
  std::string who = m.sender_id;
  if (m.conversation_id.starts_with(kGroupPrefix)) {
    who += " #" + m.conversation_id.substr(kGroupPrefix.size());
  }
  return "[" + who + "] → " + m.content + " (seq " + std::to_string(m.seq) + ")";
}

std::string FormatError(const base::Error& error) {
  return "error " + std::to_string(static_cast<int>(error.code)) + ": " + error.message;
}

CommandStatus RunCommand(client::SyncClient& client, const std::string& me,
                         std::string_view command_line, const Output& out) {
  std::string_view args = command_line;
  std::string_view command = NextWord(args);
  if (command == "send") return Send(client, me, args, out);
  if (command == "history") return History(client, me, args, out);
  if (command == "conversations") return Conversations(client, me, out);
  if (command == "quit" || command == "exit") return CommandStatus::kQuit;
  if (command == "help") {
    out.line(kHelp);
    return CommandStatus::kOk;
  }
  return Fail(out, base::MakeError(base::Code::kBadRequest,
                                   "unknown command '" + std::string(command) + "' (try help)"));
}

}  // namespace parley::tools
