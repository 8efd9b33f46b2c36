#pragma once
// The Lua scripts of the cluster store. Each runs atomically in Redis, so
// one round trip checks and assigns together: no other append can slip
// between the idempotency check, the membership check and INCR.
//
// Every script makes all its checks before its first write, so an answer
// asking for a re-seed ("seed_seq", "seed_group", "seed_floor") or refusing
// ("nogroup", "notmember", "stale") leaves Redis unchanged.
//
// Numbers are formatted with string.format('%d'): Lua 5.1's own tostring
// keeps only 14 digits, too few for inbox_seqs seeded from the clock.

#include <string>

namespace parley::store::lua {

// A message (private or group). ARGV: prefix, conv, sender, msg_id,
// send_time, fanout_threshold, retention_ms, pending_ttl_ms,
// max_inbox_entries, group_id ("" for a private chat), known_token, then a
// private chat's members.
// Answers {"dup", msgid_value} | {"seed_seq"} | {"seed_group"} |
// {"seed_floor"} | {"nogroup"} | {"notmember"} | {"settle_change"} |
// {"ok", seq, inboxed, token, members...} where members are listed only for
// a group whose token differs from known_token. "settle_change": the group
// has a pending change whose lock is gone (its gateway died).
const std::string& AppendScript();

// A membership change computed by the caller from the state it read (under
// the group's lock). ARGV: prefix, conv, sender, msg_id, send_time,
// fanout_threshold, retention_ms, pending_ttl_ms, max_inbox_entries,
// group_id, expected_token, new_token, name, owner, created_at, n_added,
// (user, join_time) * n_added, n_removed, user * n_removed, n_recipients,
// user * n_recipients.
// Answers {"dup", value} | {"seed_seq"} | {"seed_group"} | {"seed_floor"} |
// {"stale"} | {"ok", seq, inboxed}. With "ok" the group's pending-change key
// names the change until its commit is settled.
const std::string& ChangeScript();

// Writes a group loaded from MySQL, unless the group key exists meanwhile.
// ARGV: prefix, group_id, exists ("1"/"0"), token, name, owner, created_at,
// marker_ttl_ms, then (user, join_time) pairs.
const std::string& SeedGroupScript();

// Deletes KEYS[1] if it holds ARGV[1] (releases a lock we own, drops a
// pending msgid entry nobody else changed).
const std::string& UnlockScript();

// Deletes KEYS[1] (a group's pending-change key), KEYS[2] and KEYS[3] (its
// Redis state) if KEYS[1] holds ARGV[1]: a change that did not commit is
// undone, and the group is re-read from MySQL, unless another change has
// settled it and applied its own state since.
const std::string& UndoChangeScript();

// Sets KEYS[1] to expire in ARGV[2] ms if it holds ARGV[1] (keeps a pending
// msgid entry alive for the retry of a failed commit).
const std::string& ExpireIfEqualScript();

// Sets KEYS[2] (the inbox floor) to ARGV[2] unless it exists, and releases
// KEYS[1] (the floor claim), only while KEYS[1] holds ARGV[1]: a claim that
// expired or that Redis lost (with the data it guarded) sets nothing.
// Answers 1 when the claim held, else 0.
const std::string& SetFloorScript();

}  // namespace parley::store::lua
