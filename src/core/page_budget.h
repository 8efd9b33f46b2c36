#pragma once
// Replies that carry messages (PULL, HISTORY, SYNC) stop at about 1 MiB,
// whatever count was asked for: with --max-content raised, a full page could
// otherwise make a reply of hundreds of MiB. At least one item always stays,
// so paging always moves forward.

#include <cstddef>
#include <vector>

namespace parley::core {

inline constexpr std::size_t kMaxPageBytes = std::size_t{1} << 20;

// Drops the items past the budget and sets `has_more` when it dropped any.
template <class Item, class SizeOf>
void TrimToBudget(std::vector<Item>& items, bool& has_more, SizeOf size_of) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    bytes += size_of(items[i]);
    if (bytes > kMaxPageBytes && i > 0) {
      items.resize(i);
      has_more = true;
      return;
    }
  }
}

}  // namespace parley::core
