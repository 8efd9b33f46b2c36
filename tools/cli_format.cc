#include "cli_format.h"

#include <algorithm>
#include <ctime>

namespace parley::tools {
namespace {

constexpr std::string_view kGroupPrefix = "group_";

std::string Join(const std::vector<std::string>& users) {
  std::string out;
  for (const std::string& u : users) out += (out.empty() ? "" : ", ") + u;
  return out;
}

// The event line of a system message, or its raw content when it is not one
// this client understands (a newer server may add events).
std::string SystemText(const protocol::Message& m) {
  auto event = client::ParseGroupEvent(m);
  return "* " + (event ? FormatGroupEvent(*event) : m.content);
}

// "[bob] hi" or "* bob joined": a message without its conversation.
std::string Brief(const protocol::Message& m) {
  if (m.msg_type == protocol::kMsgTypeSystem) return SystemText(m);
  return "[" + m.sender_id + "] " + m.content;
}

}  // namespace

std::string FormatGroupEvent(const client::GroupEvent& e) {
  std::vector<std::string> others = e.users;
  std::erase(others, e.actor);  // "alice created Team with alice, bob" reads oddly
  if (e.event == "create") {
    std::string text = e.actor + " created \"" + e.name + "\"";
    return others.empty() ? text : text + " with " + Join(others);
  }
  // The server names who joined or left as the actor; users may be empty.
  std::string subject = e.users.empty() ? e.actor : Join(e.users);
  if (e.event == "join") return subject + " joined";
  if (e.event == "leave") return subject + " left";
  if (e.event == "invite") return e.actor + " added " + Join(e.users);
  if (e.event == "kick") {
    return Join(e.users) + (e.users.size() == 1 ? " was" : " were") + " removed by " + e.actor;
  }
  if (e.event == "unban") return e.actor + " lifted the ban on " + Join(e.users);
  if (e.event == "settings") return e.actor + " changed the group's settings";
  if (e.event == "promote") return e.actor + " made " + Join(e.users) + " admin";
  if (e.event == "demote") return e.actor + " made " + Join(e.users) + " plain members";
  if (e.event == "transfer") return e.actor + " handed the group over to " + Join(e.users);
  if (e.event == "mute") return e.actor + " muted " + Join(e.users) + " " + FormatMuteEnd(e.until);
  if (e.event == "unmute") return e.actor + " unmuted " + Join(e.users);
  return e.actor + " " + e.event + " " + Join(e.users);
}

std::string FormatMuteEnd(std::int64_t until) {
  if (until == 0) return "until unmuted";
  const std::time_t seconds = static_cast<std::time_t>(until / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return std::string("until ") + text;
}

namespace {

// What a message says, with what happened to it since: "↩ 12 " before a
// reply to seq 12, "✎ 12 " before an edit of it, "(edited)", reactions.
std::string MessageText(const protocol::Message& m) {
  const std::string target = std::to_string(m.target_seq);
  switch (m.msg_type) {
    case protocol::kMsgTypeEdit: return "✎ " + target + " " + m.content;
    case protocol::kMsgTypeRecall: return "recalled " + target;
    case protocol::kMsgTypeReaction:
      return (m.remove ? "took back " : "reacted ") + m.content + " to " + target;
    default: break;
  }
  if (m.recalled) return "(recalled)";
  std::string text =
      (m.reply_to > 0 ? "↩ " + std::to_string(m.reply_to) + " " : std::string()) + m.content;
  if (m.edit_seq > 0) text += " (edited)";
  for (const protocol::Reaction& r : m.reactions) {
    text += " [" + r.emoji + " " + std::to_string(r.users.size()) + "]";
  }
  return text;
}

}  // namespace

std::string FormatMessage(const protocol::Message& m) {
  const std::string text = MessageText(m);
  const std::string seq = " (seq " + std::to_string(m.seq) + ")";
  if (!m.conversation_id.starts_with(kGroupPrefix)) return "[" + m.sender_id + "] → " + text + seq;
  std::string group = "#" + m.conversation_id.substr(kGroupPrefix.size());
  if (m.msg_type == protocol::kMsgTypeSystem) return "[" + group + "] " + SystemText(m);
  return "[" + group + " " + m.sender_id + "] → " + text + seq;
}

std::string FormatTyping(const protocol::TypingEvent& e) {
  std::string line =
      e.user_id + (e.state == protocol::TypingState::kTyping ? " is typing…" : " stopped typing");
  if (!e.conversation_id.starts_with(kGroupPrefix)) return line;
  return "[#" + e.conversation_id.substr(kGroupPrefix.size()) + "] " + line;
}

std::string FormatConversation(const client::ConversationInfo& c) {
  std::string line = c.conversation_id + "  unread " + std::to_string(c.unread);
  if (c.last_message) line += "  last: " + Brief(*c.last_message);
  return line;
}

std::string FormatError(const base::Error& error) {
  return "error " + std::to_string(static_cast<int>(error.code)) + ": " + error.message;
}

std::string FormatReceipt(const client::ReceiptNotice& receipt) {
  const char* verb = receipt.kind == protocol::AckKind::kRead ? " read" : " received";
  return "(" + receipt.user_id + verb + " up to seq " + std::to_string(receipt.seq) + " in " +
         receipt.conversation_id + ")";
}

std::string FormatMemberReceipt(const client::MemberReceipt& receipt) {
  return receipt.user_id + "  read " + std::to_string(receipt.read_seq) + "  received " +
         std::to_string(receipt.delivered_seq);
}

}  // namespace parley::tools
