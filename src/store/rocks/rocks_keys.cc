#include "store/rocks/rocks_keys.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "core/group_settings.h"

namespace parley::store::keys {
namespace json = boost::json;

bool IsKeySafeId(std::string_view id) {
  return !id.empty() && id.find('\0') == std::string_view::npos;
}

base::Error InvalidId(const char* what) {
  return base::MakeError(base::Code::kBadRequest, std::string("store: invalid ") + what);
}

namespace {

// Big-endian, so that keys sort by the number.
void AppendU64(std::string& out, std::uint64_t value) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out.append(bytes, sizeof bytes);
}

// `id '\0' rest`, in one allocation: the write path builds several keys per
// message.
std::string JoinKey(std::string_view id, std::string_view rest, std::size_t extra = 0) {
  std::string key;
  key.reserve(id.size() + 1 + rest.size() + extra);
  key.append(id).push_back('\0');
  key.append(rest);
  return key;
}

std::string NumberKey(std::string_view id, std::uint64_t number) {
  std::string key = JoinKey(id, std::string_view(), 8);
  AppendU64(key, number);
  return key;
}

}  // namespace

std::string EncodeU64(std::uint64_t value) {
  std::string out;
  AppendU64(out, value);
  return out;
}

std::optional<std::uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

std::string Prefix(std::string_view id) { return JoinKey(id, std::string_view()); }

std::string PrefixEnd(std::string_view id) {
  std::string out(id);
  out.push_back('\1');
  return out;
}

std::string MessageKey(std::string_view conversation_id, std::int64_t seq) {
  return NumberKey(conversation_id, static_cast<std::uint64_t>(seq));
}

std::optional<std::int64_t> SeqOfMessageKey(std::string_view key) {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return std::nullopt;
  return static_cast<std::int64_t>(*DecodeU64(key.substr(key.size() - 8)));
}

std::string EditKey(std::string_view conversation_id, std::int64_t target_seq,
                    std::int64_t edit_seq) {
  std::string key = JoinKey(conversation_id, std::string_view(), 16);
  AppendU64(key, static_cast<std::uint64_t>(target_seq));
  AppendU64(key, static_cast<std::uint64_t>(edit_seq));
  return key;
}

std::optional<std::int64_t> EditSeqOfKey(std::string_view key) {
  if (key.size() < 18 || key[key.size() - 17] != '\0') return std::nullopt;
  return static_cast<std::int64_t>(*DecodeU64(key.substr(key.size() - 8)));
}

std::string MsgIdKey(std::string_view sender_id, std::string_view msg_id) {
  return JoinKey(sender_id, msg_id);
}

std::string UserConvKey(std::string_view user_id, std::string_view conversation_id) {
  return JoinKey(user_id, conversation_id);
}

std::string GroupMemberKey(std::string_view group_id, std::string_view user_id) {
  return JoinKey(group_id, user_id);
}

std::string UserGroupKey(std::string_view user_id, std::string_view group_id) {
  return JoinKey(user_id, group_id);
}

std::string InboxKey(std::string_view user_id, std::int64_t inbox_seq) {
  return NumberKey(user_id, static_cast<std::uint64_t>(inbox_seq));
}

std::string_view FirstIdOfKey(std::string_view key) { return key.substr(0, key.find('\0')); }

std::string_view SecondPartOfKey(std::string_view key) {
  const std::size_t nul = key.find('\0');
  return nul == std::string_view::npos ? std::string_view() : key.substr(nul + 1);
}

std::optional<std::int64_t> InboxSeqOfKey(std::string_view key) {
  const auto seq = DecodeU64(SecondPartOfKey(key));
  if (!seq) return std::nullopt;
  return static_cast<std::int64_t>(*seq);
}

std::string EncodeUserRecord(const core::UserRecord& user) {
  json::object o;
  o["password_hash"] = user.password_hash;
  o["created_at"] = user.created_at;
  // Written only when set, so records of active users stay as before.
  if (user.standing == core::UserStanding::kBanned) o["banned"] = true;
  if (user.tokens_valid_after > 0) o["tokens_valid_after"] = user.tokens_valid_after;
  return json::serialize(o);
}

base::Result<core::UserRecord> DecodeUserRecord(std::string_view user_id, std::string_view bytes) {
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* hash = o ? o->if_contains("password_hash") : nullptr;
  const json::value* created = o ? o->if_contains("created_at") : nullptr;
  if (!hash || !hash->is_string() || !created || !created->is_int64()) {
    return base::MakeError(base::Code::kInternal, "corrupt user record");
  }
  core::UserRecord user{std::string(user_id), std::string(hash->get_string()),
                        created->get_int64()};
  const json::value* banned = o->if_contains("banned");
  const json::value* valid_after = o->if_contains("tokens_valid_after");
  if ((banned && !banned->is_bool()) || (valid_after && !valid_after->is_int64())) {
    return base::MakeError(base::Code::kInternal, "corrupt user record");
  }
  if (banned && banned->get_bool()) user.standing = core::UserStanding::kBanned;
  if (valid_after) user.tokens_valid_after = valid_after->get_int64();
  return user;
}

std::string EncodeGroup(const core::GroupInfo& group) {
  json::array banned;
  for (const std::string& user : *group.banned) banned.emplace_back(user);
  json::object o;
  o["name"] = group.name;
  o["owner_id"] = group.owner_id;
  o["created_at"] = group.created_at;
  o["join_policy"] = core::JoinPolicyName(group.join_policy);
  o["history_visibility"] = core::HistoryVisibilityName(group.history_visibility);
  o["banned"] = std::move(banned);
  o["send_policy"] = core::SendPolicyName(group.send_policy);
  return json::serialize(o);
}

base::Result<core::GroupInfo> DecodeGroup(std::string_view group_id, std::string_view bytes) {
  const base::Error corrupt = base::MakeError(base::Code::kInternal, "corrupt group record");
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* name = o ? o->if_contains("name") : nullptr;
  const json::value* owner = o ? o->if_contains("owner_id") : nullptr;
  const json::value* created = o ? o->if_contains("created_at") : nullptr;
  if (!name || !name->is_string() || !owner || !owner->is_string() || !created ||
      !created->is_int64()) {
    return corrupt;
  }
  core::GroupInfo group;
  group.group_id = group_id;
  group.name = name->get_string();
  group.owner_id = owner->get_string();
  group.created_at = created->get_int64();
  // Absent in records written before groups had settings: the defaults.
  if (const json::value* policy = o->if_contains("join_policy")) {
    const auto parsed = policy->is_string() ? core::ParseJoinPolicy(policy->get_string())
                                            : std::nullopt;
    if (!parsed) return corrupt;
    group.join_policy = *parsed;
  }
  if (const json::value* history = o->if_contains("history_visibility")) {
    const auto parsed = history->is_string()
                            ? core::ParseHistoryVisibility(history->get_string())
                            : std::nullopt;
    if (!parsed) return corrupt;
    group.history_visibility = *parsed;
  }
  if (const json::value* policy = o->if_contains("send_policy")) {
    const auto parsed = policy->is_string() ? core::ParseSendPolicy(policy->get_string())
                                            : std::nullopt;
    if (!parsed) return corrupt;
    group.send_policy = *parsed;
  }
  auto banned = std::make_shared<std::vector<std::string>>();
  if (const json::value* list = o->if_contains("banned")) {
    if (!list->is_array()) return corrupt;
    for (const json::value& user : list->get_array()) {
      if (!user.is_string()) return corrupt;
      banned->emplace_back(user.get_string());
    }
    std::sort(banned->begin(), banned->end());
  }
  group.banned = std::move(banned);
  return group;
}

std::string EncodeMember(const MemberValue& member) {
  json::object o;
  o["role"] = core::GroupRoleName(member.role);
  o["join_time"] = member.join_time;
  o["join_seq"] = member.join_seq;
  if (member.muted_until != 0) o["muted_until"] = member.muted_until;
  return json::serialize(o);
}

base::Result<MemberValue> DecodeMember(std::string_view bytes) {
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* join_time = o ? o->if_contains("join_time") : nullptr;
  const json::value* join_seq = o ? o->if_contains("join_seq") : nullptr;
  const json::value* role = o ? o->if_contains("role") : nullptr;
  const json::value* muted = o ? o->if_contains("muted_until") : nullptr;
  const auto parsed_role =
      role && role->is_string() ? core::ParseGroupRole(role->get_string()) : std::nullopt;
  if (!join_time || !join_time->is_int64() || (join_seq && !join_seq->is_int64()) ||
      !parsed_role || (muted && !muted->is_int64())) {
    return base::MakeError(base::Code::kInternal, "corrupt group member record");
  }
  return MemberValue{join_time->get_int64(), join_seq ? join_seq->get_int64() : 0, *parsed_role,
                     muted ? muted->get_int64() : 0};
}

}  // namespace parley::store::keys
