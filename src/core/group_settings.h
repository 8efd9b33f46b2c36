#pragma once
// The names of a group's settings, on the wire and in both stores:
// join_policy "invite" | "open", history_visibility "joined" | "shared".
// Header-only so the stores, which do not link the core, share them.

#include <optional>
#include <string_view>

#include "core/store.h"

namespace parley::core {

inline std::string_view JoinPolicyName(JoinPolicy policy) {
  return policy == JoinPolicy::kOpen ? "open" : "invite";
}

inline std::optional<JoinPolicy> ParseJoinPolicy(std::string_view name) {
  if (name == "invite") return JoinPolicy::kInvite;
  if (name == "open") return JoinPolicy::kOpen;
  return std::nullopt;
}

inline std::string_view HistoryVisibilityName(HistoryVisibility visibility) {
  return visibility == HistoryVisibility::kShared ? "shared" : "joined";
}

inline std::optional<HistoryVisibility> ParseHistoryVisibility(std::string_view name) {
  if (name == "joined") return HistoryVisibility::kJoined;
  if (name == "shared") return HistoryVisibility::kShared;
  return std::nullopt;
}

}  // namespace parley::core
