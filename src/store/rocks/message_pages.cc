#include "store/rocks/message_pages.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

// A page is sized by the caller's limit, which a bad request could make huge;
// reserve no more than this up front.
constexpr std::size_t kMaxReserve = 256;

enum class Direction { kForward, kBackward };

// Collects up to `limit` values from the positioned iterator, then looks at
// one more to tell whether the page is the last.
base::Result<core::MessagePage> Collect(rocksdb::Iterator& it, std::size_t limit,
                                        Direction direction) {
  core::MessagePage page;
  page.messages.reserve(std::min(limit, kMaxReserve));
  for (; it.Valid() && page.messages.size() < limit;
       direction == Direction::kForward ? it.Next() : it.Prev()) {
    page.messages.emplace_back(it.value().ToStringView());
  }
  page.has_more = it.Valid();
  if (!it.status().ok()) return StatusToError(it.status(), "read messages");
  return page;
}

// Iterates [lower, upper) of the messages family.
base::Result<core::MessagePage> ReadRange(RocksDb& db, const std::string& lower,
                                          const std::string& upper, std::size_t limit,
                                          Direction direction) {
  RangeScan it(db, Cf::kMessages, lower, upper);
  if (direction == Direction::kForward) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  return Collect(*it, limit, direction);
}

}  // namespace

base::Result<core::MessagePage> ReadMessagesAfter(RocksDb& db, std::string_view conversation_id,
                                                  std::int64_t after_seq, std::size_t limit) {
  if (after_seq == std::numeric_limits<std::int64_t>::max()) return core::MessagePage{};
  const std::int64_t first = std::max<std::int64_t>(after_seq, 0) + 1;
  return ReadRange(db, keys::MessageKey(conversation_id, first), keys::PrefixEnd(conversation_id),
                   limit, Direction::kForward);
}

base::Result<core::MessagePage> ReadMessagesBefore(RocksDb& db, std::string_view conversation_id,
                                                   std::int64_t before_seq, std::size_t limit) {
  const std::string upper = before_seq <= 0 ? keys::PrefixEnd(conversation_id)
                                            : keys::MessageKey(conversation_id, before_seq);
  return ReadRange(db, keys::Prefix(conversation_id), upper, limit, Direction::kBackward);
}

}  // namespace parley::store
