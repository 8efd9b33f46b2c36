#pragma once
// The names of a group's settings, on the wire and in both stores:
// join_policy "invite" | "open", history_visibility "joined" | "shared";
// and of a member's role, "owner" | "admin" | "member". The send policy is
// stored as "everyone" | "admins" (on the wire: only_admins_send).
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

inline std::string_view SendPolicyName(SendPolicy policy) {
  return policy == SendPolicy::kAdmins ? "admins" : "everyone";
}

inline std::optional<SendPolicy> ParseSendPolicy(std::string_view name) {
  if (name == "everyone") return SendPolicy::kEveryone;
  if (name == "admins") return SendPolicy::kAdmins;
  return std::nullopt;
}

inline std::string_view GroupRoleName(GroupRole role) {
  switch (role) {
    case GroupRole::kOwner: return "owner";
    case GroupRole::kAdmin: return "admin";
    case GroupRole::kMember: return "member";
  }
  return "member";
}

inline std::optional<GroupRole> ParseGroupRole(std::string_view name) {
  if (name == "owner") return GroupRole::kOwner;
  if (name == "admin") return GroupRole::kAdmin;
  if (name == "member") return GroupRole::kMember;
  return std::nullopt;
}

}  // namespace parley::core
