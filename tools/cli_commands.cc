#include "cli_commands.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "cli_args.h"
#include "cli_format.h"
#include "cli_group_commands.h"

namespace parley::tools {
namespace {

constexpr std::string_view kHelp =
    "commands:\n"
    "  send USER TEXT...            send a direct message\n"
    "  send #GROUP TEXT...          send to a group\n"
    "  reply USER|#GROUP SEQ TEXT...  answer message SEQ\n"
    "  edit USER|#GROUP SEQ TEXT...   replace the text of your message SEQ\n"
    "  recall USER|#GROUP SEQ         delete message SEQ for everyone\n"
    "  react USER|#GROUP SEQ EMOJI [remove]  react to message SEQ (or take it back)\n"
    "  history USER|#GROUP [N]      the last N messages (default 20)\n"
    "  conversations                your conversations with unread counts\n"
    "  unread                       show unread messages and mark them read\n"
    "  receipts USER|#GROUP         how far each member has read and received\n"
    "  typing USER|#GROUP [stop]    tell them you are typing (or stopped)\n"
    "  group create NAME [USER...]  create a group with these members; prints its id\n"
    "  group join ID                join a group (open groups only)\n"
    "  group leave ID               leave a group\n"
    "  group invite ID USER...      add members\n"
    "  group kick ID USER...        remove and ban members (owner only)\n"
    "  group unban ID USER...       lift bans (owner only)\n"
    "  group set ID NAME=VALUE...   join_policy=invite|open, history_visibility=joined|shared\n"
    "  group members ID             a group's name, owner and members\n"
    "  group mine                   the groups you belong to\n"
    "  help                         this text\n"
    "  quit                         leave (Ctrl-D works too)";

// "✓ seq N" for a stored message.
CommandStatus Sent(const base::Result<client::SendAck>& ack, const Output& out) {
  if (!ack) return Fail(out, ack.error());
  out.line("✓ seq " + std::to_string(ack->seq));
  return CommandStatus::kOk;
}

CommandStatus Send(client::SyncClient& client, const std::string& me, std::string_view args,
                   const Output& out) {
  std::string_view target = NextWord(args);
  std::string_view text = TrimRight(TrimLeft(args));
  if (target.empty() || text.empty()) return Usage(out, "send USER|#GROUP TEXT...");
  auto conversation = ConversationOf(me, target);
  if (!conversation) return Fail(out, conversation.error());
  return Sent(target.starts_with('#') ? client.SendToConversation(*conversation, text)
                                      : client.SendTo(target, text),
              out);
}

// "USER|#GROUP SEQ REST...": a command on message SEQ of a conversation.
struct OnMessage {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string_view rest;  // trimmed
};

std::optional<OnMessage> ParseOnMessage(const std::string& me, std::string_view args) {
  std::string_view target = NextWord(args);
  std::string_view seq_text = NextWord(args);
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
  if (target.empty() || ec != std::errc() || end != seq_text.data() + seq_text.size() || seq < 1) {
    return std::nullopt;
  }
  auto conversation = ConversationOf(me, target);
  if (!conversation) return std::nullopt;
  return OnMessage{*conversation, seq, TrimRight(TrimLeft(args))};
}

// reply, edit, recall and react: a CHAT about message SEQ.
CommandStatus OnMessageCommand(client::SyncClient& client, const std::string& me,
                               std::string_view command, std::string_view args,
                               const Output& out) {
  auto on = ParseOnMessage(me, args);
  client::Outgoing message;
  if (command == "reply" && on && !on->rest.empty()) {
    message.reply_to = on->seq;
  } else if (command == "edit" && on && !on->rest.empty()) {
    message.msg_type = protocol::kMsgTypeEdit;
  } else if (command == "recall" && on && on->rest.empty()) {
    message.msg_type = protocol::kMsgTypeRecall;
  } else if (command == "react" && on && !on->rest.empty()) {
    message.msg_type = protocol::kMsgTypeReaction;
    std::string_view rest = on->rest;
    std::string_view emoji = NextWord(rest);
    std::string_view remove = NextWord(rest);
    if ((!remove.empty() && remove != "remove") || !TrimLeft(rest).empty()) on.reset();
    if (on) {
      on->rest = emoji;
      message.remove = !remove.empty();
    }
  } else {
    on.reset();
  }
  if (!on) {
    if (command == "reply") return Usage(out, "reply USER|#GROUP SEQ TEXT...");
    if (command == "edit") return Usage(out, "edit USER|#GROUP SEQ TEXT...");
    if (command == "recall") return Usage(out, "recall USER|#GROUP SEQ");
    return Usage(out, "react USER|#GROUP SEQ EMOJI [remove]");
  }
  if (message.msg_type != protocol::kMsgTypeText) message.target_seq = on->seq;
  message.conversation_id = on->conversation_id;
  message.content = std::string(on->rest);
  return Sent(client.Send(std::move(message)), out);
}

// The terminal hands the CLI whole lines, so it cannot see its user start
// typing; the user says so. The answer only tells that the server took it
// (it may not forward it: docs/protocol.md "TYPING").
CommandStatus Typing(client::SyncClient& client, const std::string& me, std::string_view args,
                     const Output& out) {
  std::string_view target = NextWord(args);
  std::string_view stop = NextWord(args);
  if (target.empty() || (!stop.empty() && stop != "stop") || !TrimLeft(args).empty()) {
    return Usage(out, "typing USER|#GROUP [stop]");
  }
  auto conversation = ConversationOf(me, target);
  if (!conversation) return Fail(out, conversation.error());
  const auto state =
      stop.empty() ? protocol::TypingState::kTyping : protocol::TypingState::kStopped;
  auto sent = client.Typing(*conversation, state);
  if (!sent) return Fail(out, sent.error());
  out.line(state == protocol::TypingState::kTyping ? "✓ typing…" : "✓ stopped typing");
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

CommandStatus Conversations(client::SyncClient& client, const Output& out) {
  auto list = client.Conversations();
  if (!list) return Fail(out, list.error());
  if (list->empty()) out.line("(no conversations)");
  for (const client::ConversationInfo& c : *list) out.line(FormatConversation(c));
  return CommandStatus::kOk;
}

// The newest unread messages of each conversation, oldest first; an ACK marks
// them read, on every device of the user.
CommandStatus Unread(client::SyncClient& client, const Output& out) {
  constexpr std::int64_t kShownPerConversation = 20;
  auto list = client.Conversations();
  if (!list) return Fail(out, list.error());
  bool any = false;
  for (const client::ConversationInfo& c : *list) {
    if (c.unread <= 0) continue;
    any = true;
    std::int64_t from = std::max(c.last_ack_seq, c.max_seq - kShownPerConversation);
    if (from > c.last_ack_seq) {
      out.line("(" + std::to_string(from - c.last_ack_seq) + " older unread in " +
               c.conversation_id + ": see history)");
    }
    auto page = client.Pull(c.conversation_id, from, kShownPerConversation);
    if (!page) return Fail(out, page.error());
    for (const protocol::Message& m : page->messages) out.line(FormatMessage(m));
    if (page->messages.empty()) continue;
    auto acked = client.Ack(c.conversation_id, page->messages.back().seq);
    if (!acked) return Fail(out, acked.error());
  }
  if (!any) out.line("(no unread messages)");
  return CommandStatus::kOk;
}

CommandStatus Receipts(client::SyncClient& client, const std::string& me, std::string_view args,
                       const Output& out) {
  std::string_view target = NextWord(args);
  if (target.empty() || !TrimLeft(args).empty()) return Usage(out, "receipts USER|#GROUP");
  auto conversation = ConversationOf(me, target);
  if (!conversation) return Fail(out, conversation.error());
  auto receipts = client.Receipts(*conversation);
  if (!receipts) return Fail(out, receipts.error());
  for (const client::MemberReceipt& r : *receipts) out.line(FormatMemberReceipt(r));
  return CommandStatus::kOk;
}

}  // namespace

CommandStatus RunCommand(client::SyncClient& client, const std::string& me,
                         std::string_view command_line, const Output& out) {
  std::string_view args = command_line;
  std::string_view command = NextWord(args);
  if (command == "send") return Send(client, me, args, out);
  if (command == "reply" || command == "edit" || command == "recall" || command == "react") {
    return OnMessageCommand(client, me, command, args, out);
  }
  if (command == "history") return History(client, me, args, out);
  if (command == "conversations") return Conversations(client, out);
  if (command == "unread") return Unread(client, out);
  if (command == "receipts") return Receipts(client, me, args, out);
  if (command == "typing") return Typing(client, me, args, out);
  if (command == "group") return RunGroupCommand(client, args, out);
  if (command == "quit" || command == "exit") return CommandStatus::kQuit;
  if (command == "help") {
    out.line(kHelp);
    return CommandStatus::kOk;
  }
  return Fail(out, base::MakeError(base::Code::kBadRequest,
                                   "unknown command '" + std::string(command) + "' (try help)"));
}

}  // namespace parley::tools
