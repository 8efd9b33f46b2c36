#pragma once
// One per I/O thread: wake-ups of connections on *other* I/O threads, sent
// together once this thread has run the handlers already queued here.
//
// Why: a store batch completes as one handler per message on the sender's
// thread, and each message is pushed to every recipient. Waking a
// recipient's writer at its first push (one cross-thread post per recipient
// per message) let that writer send the first message alone while the rest
// of the batch was still being pushed. Deferred behind the queued handlers,
// the writer wakes once, finds the whole batch queued and sends it in one
// gather write; and one post per destination thread replaces one per
// recipient. On an idle thread the deferral is a single handler hop.
//
// Threads: Defer and the flush run on this batcher's io_context thread.
// Destroy after the io_context stopped running (the Server does).

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

namespace parley::net {

class Connection;

class WakeBatcher {
 public:
  explicit WakeBatcher(boost::asio::io_context& io) : io_(io) {}
  WakeBatcher(const WakeBatcher&) = delete;
  WakeBatcher& operator=(const WakeBatcher&) = delete;

  // Wakes `connection`'s writer on its own thread after this thread's queued
  // handlers ran.
  void Defer(std::shared_ptr<Connection> connection);

 private:
  void Flush();

  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<Connection>> pending_;
};

}  // namespace parley::net
