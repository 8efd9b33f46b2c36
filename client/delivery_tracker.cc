#include "client/delivery_tracker.h"

#include <algorithm>
#include <limits>

#include "base/ids.h"

namespace parley::client {
namespace {

// The application may hold positions saved under a legacy private id
// ("private_<a>_<b>", base/ids.h); the server names that conversation by its
// canonical id, and so does the tracker.
std::string Canonical(std::string_view id) {
  std::optional<std::string> canonical = base::CanonicalConversationId(id);
  return canonical ? std::move(*canonical) : std::string(id);
}

}  // namespace

DeliveryTracker::DeliveryTracker(std::size_t max_buffered_per_conversation,
                                 bool catch_up_unknown)
    : max_buffered_(max_buffered_per_conversation), catch_up_unknown_(catch_up_unknown) {}

DeliveryTracker::Conversation& DeliveryTracker::Find(std::string_view id,
                                                     std::int64_t first_seen_delivered) {
  auto [it, inserted] = conversations_.try_emplace(std::string(id));
  if (inserted) it->second.delivered = catch_up_unknown_ ? 0 : first_seen_delivered;
  return it->second;
}

DeliveryStep DeliveryTracker::SetCursor(std::string_view conversation_id,
                                        std::int64_t delivered_seq) {
  Conversation& conv = conversations_.try_emplace(Canonical(conversation_id)).first->second;
  conv.delivered = delivered_seq;
  conv.max_seen = std::max(conv.max_seen, delivered_seq);
  DeliveryStep step;
  Drain(conv, step);
  return step;
}

DeliveryStep DeliveryTracker::Catchup(std::string_view requested_id, std::int64_t from_seq) {
  const std::string conversation_id = Canonical(requested_id);
  DeliveryStep step = SetCursor(conversation_id, from_seq);
  Conversation& conv = conversations_.find(conversation_id)->second;
  if (conv.pulling) {
    // The chain in flight asks from an older cursor; it restarts on its next page.
    conv.restart = true;
  } else {
    step.pull = StartPull(conversation_id, conv);
  }
  return step;
}

DeliveryStep DeliveryTracker::OnPush(protocol::Message message) {
  return Accept(std::move(message), false);
}

DeliveryStep DeliveryTracker::OnSent(protocol::Message message) {
  return Accept(std::move(message), true);
}

DeliveryStep DeliveryTracker::OnHole(const protocol::HoleMarker& hole) {
  protocol::Message empty;
  empty.conversation_id = Canonical(hole.conversation_id);
  empty.seq = hole.seq;
  return Accept(std::move(empty), true);
}

DeliveryStep DeliveryTracker::Accept(protocol::Message message, bool silent) {
  std::string id = message.conversation_id;
  Conversation& conv = Find(id, message.seq - 1);
  DeliveryStep step;
  Place(conv, std::move(message), silent, step);
  if (!conv.buffered.empty() && !conv.pulling) step.pull = StartPull(id, conv);
  return step;
}

DeliveryStep DeliveryTracker::OnServerMax(std::string_view conversation_id,
                                          std::int64_t max_seq) {
  Conversation& conv = Find(conversation_id, max_seq);
  // A PULL chain in flight sees the raised max_seen when it ends and runs on.
  conv.max_seen = std::max(conv.max_seen, max_seq);
  DeliveryStep step;
  if (conv.delivered < conv.max_seen && !conv.pulling) {
    step.pull = StartPull(conversation_id, conv);
  }
  return step;
}

DeliveryStep DeliveryTracker::OnPullPage(std::string_view conversation_id,
                                         std::vector<protocol::Message> messages,
                                         const std::vector<std::int64_t>& holes,
                                         std::int64_t next_cursor_seq, bool has_more) {
  auto it = conversations_.find(conversation_id);
  if (it == conversations_.end()) return {};
  Conversation& conv = it->second;
  std::sort(messages.begin(), messages.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });
  // Messages and holes in seq order, so nothing waits in the buffer.
  std::vector<std::int64_t> hole_seqs = holes;
  std::sort(hole_seqs.begin(), hole_seqs.end());
  auto next_hole = hole_seqs.begin();
  DeliveryStep step;
  auto place_holes_below = [&](std::int64_t seq) {
    for (; next_hole != hole_seqs.end() && *next_hole < seq; ++next_hole) {
      protocol::Message empty;
      empty.conversation_id = std::string(conversation_id);
      empty.seq = *next_hole;
      Place(conv, std::move(empty), true, step);
    }
  };
  for (protocol::Message& m : messages) {
    if (m.conversation_id != conversation_id) continue;
    place_holes_below(m.seq);
    Place(conv, std::move(m), false, step);
  }
  place_holes_below(std::numeric_limits<std::int64_t>::max());
  if (!conv.pulling) return step;
  if (conv.restart) {
    step.pull = StartPull(conversation_id, conv);
    return step;
  }
  if (has_more) {
    step.pull = PullCursor{std::string(conversation_id), std::max(next_cursor_seq, conv.delivered)};
    return step;
  }
  if (conv.max_seen > conv.pull_target && conv.max_seen > conv.delivered) {
    // Pushes that arrived during the chain may have been committed after the
    // server read the timeline; one more PULL, sent after them, sees them.
    step.pull = StartPull(conversation_id, conv);
    return step;
  }
  // The chain covered every seq seen before it started, so a gap still open is
  // not in the timeline: skip it rather than hold later messages forever.
  conv.pulling = false;
  while (!conv.buffered.empty()) {
    conv.delivered = conv.buffered.begin()->first - 1;
    Drain(conv, step);
  }
  return step;
}

void DeliveryTracker::OnPullFailed(std::string_view conversation_id) {
  auto it = conversations_.find(conversation_id);
  if (it != conversations_.end()) it->second.pulling = false;
}

std::vector<PullCursor> DeliveryTracker::ResumeGaps() {
  std::vector<PullCursor> pulls;
  for (auto& [id, conv] : conversations_) {
    if (!conv.pulling && conv.delivered < conv.max_seen) pulls.push_back(*StartPull(id, conv));
  }
  return pulls;
}

std::optional<std::int64_t> DeliveryTracker::Delivered(std::string_view conversation_id) const {
  auto it = conversations_.find(Canonical(conversation_id));
  if (it == conversations_.end()) return std::nullopt;
  return it->second.delivered;
}

void DeliveryTracker::Place(Conversation& conv, protocol::Message message, bool silent,
                            DeliveryStep& step) {
  conv.max_seen = std::max(conv.max_seen, message.seq);
  if (message.seq <= conv.delivered) return;  // duplicate
  if (message.seq == conv.delivered + 1) {
    conv.delivered = message.seq;
    if (!silent) step.deliver.push_back(std::move(message));
    Drain(conv, step);
    return;
  }
  // A full buffer drops the message; max_seen still remembers it, so the PULL
  // chain runs until it is fetched.
  if (conv.buffered.size() < max_buffered_) {
    std::int64_t seq = message.seq;
    conv.buffered.try_emplace(seq, Pending{std::move(message), silent});
  }
}

void DeliveryTracker::Drain(Conversation& conv, DeliveryStep& step) {
  while (!conv.buffered.empty() && conv.buffered.begin()->first <= conv.delivered + 1) {
    auto node = conv.buffered.extract(conv.buffered.begin());
    if (node.key() <= conv.delivered) continue;
    conv.delivered = node.key();
    if (!node.mapped().silent) step.deliver.push_back(std::move(node.mapped().message));
  }
}

std::optional<PullCursor> DeliveryTracker::StartPull(std::string_view id, Conversation& conv) {
  conv.pulling = true;
  conv.restart = false;
  conv.pull_target = conv.max_seen;
  return PullCursor{std::string(id), conv.delivered};
}

}  // namespace parley::client
