#include "store/cluster/lua_scripts.h"

namespace parley::store::lua {
namespace {

// Shared by the two append scripts: the inbox of each recipient (write
// diffusion). inbox_prepare checks, inbox_write writes. A missing
// inbox_seq restarts from {p}inbox_floor, so it never goes back to values
// a device may still hold as its cursor.
constexpr const char* kInboxFunctions = R"lua(
local function fmt(n) return string.format('%d', n) end
local floor = nil
local function inbox_prepare(P, users)
  for _, u in ipairs(users) do
    if redis.call('EXISTS', P .. 'inbox_seq:' .. u) == 0 then
      floor = redis.call('GET', P .. 'inbox_floor')
      if not floor then return false end
      return true
    end
  end
  return true
end
local function inbox_write(P, users, conv, seq, send_time, retention, max_entries)
  local cutoff = tonumber(send_time) - retention
  for _, u in ipairs(users) do
    local sk = P .. 'inbox_seq:' .. u
    if redis.call('EXISTS', sk) == 0 then redis.call('SET', sk, floor) end
    local n = fmt(redis.call('INCR', sk))
    local ik = P .. 'inbox:' .. u
    redis.call('ZADD', ik, n, n .. '|' .. send_time .. '|' .. fmt(seq) .. '|' .. conv)
    -- Trim from the oldest end, a few per write: entries are in inbox_seq
    -- order, which is (nearly) time order.
    for _ = 1, 4 do
      local first = redis.call('ZRANGE', ik, 0, 0)[1]
      if not first then break end
      local t = tonumber(string.match(first, '^[^|]*|([^|]*)|'))
      if t == nil or t >= cutoff then break end
      redis.call('ZREMRANGEBYRANK', ik, 0, 0)
    end
    redis.call('ZREMRANGEBYRANK', ik, 0, -(max_entries + 1))
    redis.call('PEXPIRE', ik, retention)
  end
end
)lua";

constexpr const char* kAppendBody = R"lua(
local P, conv, sender, msg_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local send_time, fanout, retention = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local pending_ttl, max_entries = ARGV[8], tonumber(ARGV[9])
local group_id, known = ARGV[10], ARGV[11]
local msgid_key = P .. 'msgid:' .. sender .. ':' .. msg_id
local seq_key = P .. 'seq:' .. conv
local prev = redis.call('GET', msgid_key)
if prev then return {'dup', prev} end
if redis.call('EXISTS', seq_key) == 0 then return {'seed_seq'} end
local recipients = nil
local token = ''
local count
if group_id ~= '' then
  local meta = P .. 'group:' .. group_id
  local members_key = P .. 'members:' .. group_id
  local g = redis.call('HMGET', meta, 'exists', 'token')
  if not g[1] then return {'seed_group'} end
  if g[1] ~= '1' then return {'nogroup'} end
  -- A change applied here whose gateway let its lock go without settling it
  -- (it died): MySQL must say whether it happened before anyone relies on it.
  if redis.call('EXISTS', P .. 'change:group:' .. group_id) == 1 and
     redis.call('EXISTS', P .. 'lock:group:' .. group_id) == 0 then
    return {'settle_change'}
  end
  if redis.call('HEXISTS', members_key, sender) == 0 then return {'notmember'} end
  token = g[2] or ''
  count = redis.call('HLEN', members_key)
  if count <= fanout or token ~= known then recipients = redis.call('HKEYS', members_key) end
else
  recipients = {}
  for i = 12, #ARGV do recipients[#recipients + 1] = ARGV[i] end
  count = #recipients
end
-- WritesInbox (store/common/conversation_rules.h), repeated here.
local inboxed = count <= fanout
if inboxed and not inbox_prepare(P, recipients) then return {'seed_floor'} end
local seq = redis.call('INCR', seq_key)
redis.call('SET', msgid_key, 'P|' .. fmt(seq) .. '|' .. conv, 'PX', pending_ttl)
if inboxed then inbox_write(P, recipients, conv, seq, send_time, retention, max_entries) end
local out = {'ok', seq, inboxed and 1 or 0, token}
if group_id ~= '' and token ~= known then
  for _, u in ipairs(recipients) do out[#out + 1] = u end
end
return out
)lua";

constexpr const char* kChangeBody = R"lua(
local P, conv, sender, msg_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local send_time, fanout, retention = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local pending_ttl, max_entries = ARGV[8], tonumber(ARGV[9])
local group_id, expected, new_token = ARGV[10], ARGV[11], ARGV[12]
local name, owner, created_at = ARGV[13], ARGV[14], ARGV[15]
local join_policy, history, banned = ARGV[16], ARGV[17], ARGV[18]
local send_policy, admins, mutes = ARGV[19], ARGV[20], ARGV[21]
local i = 22
local added = {}
for _ = 1, tonumber(ARGV[i]) do
  added[#added + 1] = {ARGV[i + 1], ARGV[i + 2]}
  i = i + 2
end
i = i + 1
local removed = {}
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  removed[#removed + 1] = ARGV[i]
end
i = i + 1
local recipients = {}
for _ = 1, tonumber(ARGV[i]) do
  i = i + 1
  recipients[#recipients + 1] = ARGV[i]
end
local msgid_key = P .. 'msgid:' .. sender .. ':' .. msg_id
local seq_key = P .. 'seq:' .. conv
local meta = P .. 'group:' .. group_id
local members_key = P .. 'members:' .. group_id
local prev = redis.call('GET', msgid_key)
if prev then return {'dup', prev} end
if redis.call('EXISTS', seq_key) == 0 then return {'seed_seq'} end
local g = redis.call('HMGET', meta, 'exists', 'token')
if not g[1] then return {'seed_group'} end
if (g[2] or '') ~= expected then return {'stale'} end
if redis.call('EXISTS', P .. 'change:group:' .. group_id) == 1 then return {'stale'} end
-- WritesInbox (store/common/conversation_rules.h), repeated here.
local inboxed = #recipients <= fanout
if inboxed and not inbox_prepare(P, recipients) then return {'seed_floor'} end
redis.call('HSET', meta, 'exists', '1', 'token', new_token, 'name', name, 'owner', owner,
           'created_at', created_at, 'join_policy', join_policy, 'history', history,
           'banned', banned, 'send_policy', send_policy, 'admins', admins, 'mutes', mutes)
redis.call('PERSIST', meta)
for _, a in ipairs(added) do redis.call('HSET', members_key, a[1], a[2]) end
for _, u in ipairs(removed) do redis.call('HDEL', members_key, u) end
local seq = redis.call('INCR', seq_key)
redis.call('SET', msgid_key, 'P|' .. fmt(seq) .. '|' .. conv, 'PX', pending_ttl)
redis.call('SET', P .. 'change:group:' .. group_id, fmt(seq) .. '|' .. msgid_key)
if inboxed then inbox_write(P, recipients, conv, seq, send_time, retention, max_entries) end
return {'ok', seq, inboxed and 1 or 0}
)lua";

constexpr const char* kSeedGroup = R"lua(
local P, group_id, exists, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local meta = P .. 'group:' .. group_id
local members_key = P .. 'members:' .. group_id
if redis.call('EXISTS', meta) == 1 then return 0 end
redis.call('DEL', members_key)
if exists == '1' then
  redis.call('HSET', meta, 'exists', '1', 'token', token, 'name', ARGV[5], 'owner', ARGV[6],
             'created_at', ARGV[7], 'join_policy', ARGV[9], 'history', ARGV[10],
             'banned', ARGV[11], 'send_policy', ARGV[12], 'admins', ARGV[13],
             'mutes', ARGV[14])
  for i = 15, #ARGV, 2 do redis.call('HSET', members_key, ARGV[i], ARGV[i + 1]) end
else
  redis.call('HSET', meta, 'exists', '0', 'token', '')
  redis.call('PEXPIRE', meta, ARGV[8])
end
return 1
)lua";

constexpr const char* kUnlock = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

constexpr const char* kUndoChange = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 0
)lua";

constexpr const char* kExpireIfEqual = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

constexpr const char* kSetFloor = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'NX')
redis.call('DEL', KEYS[1])
return 1
)lua";

}  // namespace

const std::string& AppendScript() {
  static const std::string source = std::string(kInboxFunctions) + kAppendBody;
  return source;
}

const std::string& ChangeScript() {
  static const std::string source = std::string(kInboxFunctions) + kChangeBody;
  return source;
}

const std::string& SeedGroupScript() {
  static const std::string source = kSeedGroup;
  return source;
}

const std::string& UnlockScript() {
  static const std::string source = kUnlock;
  return source;
}

const std::string& UndoChangeScript() {
  static const std::string source = kUndoChange;
  return source;
}

const std::string& ExpireIfEqualScript() {
  static const std::string source = kExpireIfEqual;
  return source;
}

const std::string& SetFloorScript() {
  static const std::string source = kSetFloor;
  return source;
}

}  // namespace parley::store::lua
