// The cluster's bytes in Redis (cluster/wire.h, store/cluster/cluster_keys.h):
// a remote packet published to a gateway's channel, a presence hash's field
// and value, an inbox ZSET member, a msgid entry and a group's pending
// change. Properties: a remote packet that decodes encodes back to the same
// bytes (the format has one spelling), a presence value that parses keeps
// its gateway id, and inbox members and msgid entries that parse write back
// to values that parse to the same thing.

#include <string>
#include <string_view>
#include <vector>

#include "cluster/wire.h"
#include "fuzz_check.h"
#include "store/cluster/cluster_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::cluster;
  using parley::fuzz::Check;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (auto packet = DecodeRemotePacket(bytes)) {
    std::vector<const std::string*> users;
    for (const std::string& user : packet->user_ids) users.push_back(&user);
    const auto encoded = EncodeRemotePacket(users, packet->cmd, packet->body);
    Check(encoded && *encoded == bytes, "a remote packet does not round-trip");
  }
  if (auto entry = ParsePresenceValue(bytes)) {
    Check(bytes.starts_with(entry->gateway_id + "|"), "a presence value lost its gateway id");
  }
  if (auto session = SessionIdOfField(bytes)) {
    Check(bytes.ends_with(std::to_string(*session)),
          "a presence field's session id is not its tail");
  }
  if (auto item = parley::store::ParseInboxItem(bytes)) {
    const auto again = parley::store::ParseInboxItem(parley::store::InboxItemMember(*item));
    Check(again && again->inbox_seq == item->inbox_seq && again->send_time == item->send_time &&
              again->seq == item->seq && again->conversation_id == item->conversation_id,
          "an inbox member does not round-trip");
  }
  if (auto entry = parley::store::ParseMsgIdEntry(bytes)) {
    const auto again = parley::store::ParseMsgIdEntry(parley::store::MsgIdEntryValue(*entry));
    Check(again && again->committed == entry->committed && again->seq == entry->seq &&
              again->conversation_id == entry->conversation_id,
          "a msgid entry does not round-trip");
  }
  (void)parley::store::ParsePendingChange(bytes);
  return 0;
}
