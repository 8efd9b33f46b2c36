#include "net/wake_batcher.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "net/connection.h"

namespace parley::net {

void WakeBatcher::Defer(std::shared_ptr<Connection> connection) {
  if (pending_.empty()) boost::asio::post(io_, [this] { Flush(); });
  pending_.push_back(std::move(connection));
}

void WakeBatcher::Flush() {
  std::vector<std::shared_ptr<Connection>> pending;
  pending.swap(pending_);
  // One post per destination thread, waking each of its connections.
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    return &a->executor().context() < &b->executor().context();
  });
  auto begin = pending.begin();
  while (begin != pending.end()) {
    auto end = std::find_if(begin, pending.end(),
                            [&](const auto& c) { return c->executor() != (*begin)->executor(); });
    std::vector<std::shared_ptr<Connection>> group(std::make_move_iterator(begin),
                                                   std::make_move_iterator(end));
    const auto executor = group.front()->executor();
    boost::asio::post(executor, [group = std::move(group)] {
      for (const auto& connection : group) connection->Wake();
    });
    begin = end;
  }
}

}  // namespace parley::net
