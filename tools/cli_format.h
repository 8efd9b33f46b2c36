#pragma once
// How the parley CLI prints messages, membership events, typing,
// conversations and errors. Pure functions.

#include <cstdint>
#include <string>

#include "base/error.h"
#include "client/group_packets.h"
#include "client/packets.h"
#include "protocol/message.h"
#include "protocol/typing.h"

namespace parley::tools {

// "[alice] → Hello, Bob! (seq 3)"; in a group "[#team alice] → hi (seq 4)";
// a membership event "[#team] * alice added bob, carol".
std::string FormatMessage(const protocol::Message& m);

// "alice added bob, carol", "bob joined", "carol was removed by alice",
// "alice made bob admin", "bob muted carol until 2026-12-07 03:10:00 UTC".
std::string FormatGroupEvent(const client::GroupEvent& event);

// "until 2026-12-07 03:10:00 UTC" for a mute's end (ms), "until unmuted" for 0.
std::string FormatMuteEnd(std::int64_t until);

// "bob is typing…" / "bob stopped typing"; in a group "[#team] bob is typing…".
std::string FormatTyping(const protocol::TypingEvent& event);

// "private_alice:bob  unread 3  last: [bob] hi".
std::string FormatConversation(const client::ConversationInfo& c);

// "(bob read up to seq 40 in private_alice:bob)", or "received".
std::string FormatReceipt(const client::ReceiptNotice& receipt);
// "bob  read 40  received 50" for a RECEIPTS answer's member.
std::string FormatMemberReceipt(const client::MemberReceipt& receipt);

// "error 404: no such group".
std::string FormatError(const base::Error& error);

}  // namespace parley::tools
