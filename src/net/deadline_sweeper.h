#pragma once
// One per I/O thread: the deadlines (auth, idle, write, close) of every connection
// on that thread, checked by one shared timer instead of a timer per
// connection. Every period() it asks each registered connection whether a
// deadline has passed and lets those act (Connection::OnDeadline), so an
// idle connection costs a pointer here and no timer of its own. A deadline
// is therefore enforced up to one period late; the period is a quarter of
// the shortest timeout, at most 2 s.
//
// The timer runs only while connections are registered, so an I/O thread
// without connections has no pending work from here.
//
// Threads: construct on any thread; Add, Remove and the sweeps run on the
// io_context's thread. Destroy after the io_context stopped running (the
// Server does: ~Server comes after the I/O threads are joined).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "net/options.h"

namespace parley::net {

class Connection;

class DeadlineSweeper {
 public:
  DeadlineSweeper(boost::asio::io_context& io, const NetOptions& options);
  DeadlineSweeper(const DeadlineSweeper&) = delete;
  DeadlineSweeper& operator=(const DeadlineSweeper&) = delete;

  // `connection` stays registered until Remove; it must not be destroyed before.
  void Add(Connection& connection);
  void Remove(Connection& connection);

  std::chrono::milliseconds period() const { return period_; }
  boost::asio::io_context::executor_type executor() const { return executor_; }
  std::size_t size() const { return connections_.size(); }

 private:
  void Arm();
  void Sweep();

  const boost::asio::io_context::executor_type executor_;
  boost::asio::steady_timer timer_;
  const std::chrono::milliseconds period_;
  std::vector<Connection*> connections_;          // each knows its index (sweep_slot_)
  std::vector<std::shared_ptr<Connection>> due_;  // reused by Sweep
  bool armed_ = false;
};

}  // namespace parley::net
