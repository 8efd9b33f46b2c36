#pragma once
// Turns at-least-once, possibly out-of-order pushes into an exactly-once,
// in-order, gap-free stream per conversation (docs/design.md "Delivery").
//
// Per conversation it keeps `delivered`: every seq <= delivered has been handed
// to the application. A message at delivered+1 is delivered at once (then any
// buffered successors); a lower seq is a duplicate and dropped; a higher seq
// reveals a gap: the message is buffered and a PULL from `delivered` is asked
// for. PULL pages feed back in through OnPullPage until the gap is closed.
//
//   delivered        buffered (bounded)
//   ... 7  8  9 | 10 11 __ __ 14 __ 16
//                 ^ PULL cursor_seq=9 fetches 10.. in order
//
// The application's ids (SetCursor, Catchup, Delivered) may be legacy private
// ids ("private_<a>_<b>", saved from an older server); they are taken as the
// canonical "private_<a>:<b>" the server now sends (base/ids.h).
//
// A conversation first seen (by a push, a sent message or a server listing)
// starts either at seq 1 (`catch_up_unknown`: its whole history is fetched) or
// at what was seen (older history is the application's to ask for).
//
// Pure logic: no I/O, no threads. The caller issues the PULLs it returns and
// must not run two PULL chains for one conversation (the tracker asks for a
// new one only when none is in flight).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/message.h"

namespace parley::client {

struct PullCursor {
  std::string conversation_id;
  std::int64_t cursor_seq = 0;  // fetch messages with seq > cursor_seq

  bool operator==(const PullCursor&) const = default;
};

// What one event produced: messages for the application, in seq order, and
// the PULL to issue next, if any.
struct DeliveryStep {
  std::vector<protocol::Message> deliver;
  std::optional<PullCursor> pull;
};

class DeliveryTracker {
 public:
  explicit DeliveryTracker(std::size_t max_buffered_per_conversation = 1024,
                           bool catch_up_unknown = true);

  // The application's known position: messages up to `delivered_seq` are not
  // delivered again and nothing is fetched now. Buffered messages at or below
  // it are dropped; buffered ones that became contiguous are delivered.
  DeliveryStep SetCursor(std::string_view conversation_id, std::int64_t delivered_seq);

  // SetCursor, then fetch everything after `from_seq`.
  DeliveryStep Catchup(std::string_view conversation_id, std::int64_t from_seq);

  // A pushed message, or one read from the SYNC inbox.
  DeliveryStep OnPush(protocol::Message message);

  // A message this client sent and the server acknowledged: it advances the
  // timeline like a push but is not handed back to the application.
  DeliveryStep OnSent(protocol::Message message);

  // A seq that holds no message and never will (a hole marker from SYNC or
  // PULL): the timeline moves past it; nothing is delivered for it.
  DeliveryStep OnHole(const protocol::HoleMarker& hole);

  // One PULL page (messages with seq > the cursor asked for, ascending, and
  // the seqs of the page's hole markers).
  DeliveryStep OnPullPage(std::string_view conversation_id,
                          std::vector<protocol::Message> messages,
                          const std::vector<std::int64_t>& holes, std::int64_t next_cursor_seq,
                          bool has_more);

  // The PULL failed (timeout, error reply). The gap stays; the next push past
  // it or the next catch-up (ResumeGaps) asks again.
  void OnPullFailed(std::string_view conversation_id);

  // The server says the conversation holds messages up to `max_seq` (a SYNC
  // or CONVERSATIONS listing): fetch what is missing. A conversation first
  // seen here without `catch_up_unknown` starts after `max_seq`.
  DeliveryStep OnServerMax(std::string_view conversation_id, std::int64_t max_seq);

  // A PULL for each conversation with an open gap and no PULL in flight (an
  // earlier PULL failed), so the next catch-up closes it.
  std::vector<PullCursor> ResumeGaps();

  std::optional<std::int64_t> Delivered(std::string_view conversation_id) const;

 private:
  struct Pending {
    protocol::Message message;
    bool silent = false;  // sent by this client, or a hole: advances, not delivered
  };
  struct Conversation {
    std::int64_t delivered = 0;
    std::int64_t max_seen = 0;       // highest seq seen in any push or page
    std::map<std::int64_t, Pending> buffered;
    bool pulling = false;
    // max_seen when the PULL chain started. Pushes above it may have been
    // committed after the server answered, so they need one more PULL.
    std::int64_t pull_target = 0;
    bool restart = false;            // Catchup moved the cursor during a PULL
  };

  DeliveryStep Accept(protocol::Message message, bool silent);
  // Adds `message` at its place; delivers everything now contiguous.
  void Place(Conversation& conv, protocol::Message message, bool silent, DeliveryStep& step);
  void Drain(Conversation& conv, DeliveryStep& step);
  std::optional<PullCursor> StartPull(std::string_view id, Conversation& conv);

  Conversation& Find(std::string_view id, std::int64_t first_seen_delivered);

  std::size_t max_buffered_;
  bool catch_up_unknown_;
  std::map<std::string, Conversation, std::less<>> conversations_;
};

}  // namespace parley::client
