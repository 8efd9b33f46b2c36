// The cluster's bytes in Redis (cluster/wire.h): a remote packet published
// to a gateway's channel, a presence hash's field and value. Properties: a
// remote packet that decodes encodes back to the same bytes (the format has
// one spelling), and a presence value that parses keeps its gateway id.

#include <string>
#include <string_view>
#include <vector>

#include "cluster/wire.h"
#include "fuzz_check.h"

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
  return 0;
}
