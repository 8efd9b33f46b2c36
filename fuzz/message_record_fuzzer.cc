// The message object as stores and peers hand it back (protocol/message.h):
// the JSON text both stores keep per message and PUSH/PULL payloads carry,
// hole markers, the cluster store's reactions column, and how an event
// changes its target (message_events.h). A corrupt record must give an
// error, never a crash. Properties: a parsed message serializes to text that
// parses to the same message, SerializeMessage writes what
// json::serialize(MessageToJson) writes, and applying an event keeps the
// reaction bounds.
//
// Input: two records, the target then the event, cut where the fuzzer says
// (FuzzedDataProvider's random-length string); the event's kind comes from
// the back.

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json/serialize.hpp>

#include "fuzz_check.h"
#include "protocol/message.h"
#include "protocol/message_events.h"
#include "protocol/packet.h"

namespace {

using namespace parley::protocol;
using parley::fuzz::Check;

bool WithinBounds(const Message& m) {
  std::size_t total = 0;
  for (const Reaction& r : m.reactions) total += r.users.size();
  return m.reactions.size() <= kMaxReactionKinds && total <= kMaxReactions;
}

// Whether `v` holds a floating-point number anywhere.
bool HoldsDouble(const boost::json::value& v) {
  if (v.is_double()) return true;
  if (v.is_object()) {
    for (const auto& field : v.get_object()) {
      if (HoldsDouble(field.value())) return true;
    }
  }
  if (v.is_array()) {
    for (const auto& item : v.get_array()) {
      if (HoldsDouble(item)) return true;
    }
  }
  return false;
}

void CheckRoundTrip(const Message& m) {
  // Boost.JSON 1.81 writes a number beyond double's range (1e400 in a
  // record's media) as Infinity, which is no JSON; and it parses doubles
  // imprecisely (2.2222222222222224E70 reads back as ...27E70: it has no
  // precise-parsing option), so a double may move by an ulp each time
  // the media text is parsed and written again. The server's media records
  // hold integers only (media/media_record.h); a foreign record with a
  // double stays readable, its number just not bit-exact.
  if (!m.media.empty()) {
    auto media = ParseObject(m.media);
    if (!media || HoldsDouble(*media)) return;
  }
  const std::string text = SerializeMessage(m);
  Check(text == boost::json::serialize(MessageToJson(m)),
        "SerializeMessage and MessageToJson disagree");
  auto again = ParseMessage(text);
  Check(again.has_value(), "a serialized message does not parse");
  Check(SerializeMessage(*again) == text, "a message does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto kind = input.ConsumeIntegralInRange<int>(kMsgTypeEdit, kMsgTypeReaction);
  const std::string first = input.ConsumeRandomLengthString(size);
  const std::string second = input.ConsumeRemainingBytesAsString();

  (void)ReactionsFromJson(first);
  if (auto object = ParseObject(first)) {
    (void)IsHoleMarker(*object);
    if (auto hole = HoleFromJson(*object)) {
      auto again = ParseObject(SerializeHole(*hole));
      Check(again && HoleFromJson(*again).value() == *hole, "a hole marker does not round-trip");
    }
  }

  auto target = ParseMessage(first);
  if (!target) return 0;
  CheckRoundTrip(*target);
  auto event = ParseMessage(second);
  if (!event) return 0;
  CheckRoundTrip(*event);
  event->msg_type = kind;
  const bool bounded = WithinBounds(*target);
  const EventEffect effect = ApplyEvent(*event, *target);
  if (bounded) Check(WithinBounds(*target), "an event broke the reaction bounds");
  if (effect == EventEffect::kApplied && kind == kMsgTypeRecall) {
    Check(target->recalled && target->content.empty() && target->reactions.empty(),
          "a recall left something of its target");
  }
  CheckRoundTrip(*target);
  CheckRoundTrip(*event);
  return 0;
}
