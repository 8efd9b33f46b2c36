#pragma once
// How an I/O thread runs its io_context: like io_context::run(), except that
// when it runs out of work it polls for a short, bounded while (base::SpinWait)
// before it blocks in epoll_wait, so that a store completion posted from the
// writer thread a few hundred microseconds later does not pay for waking a
// sleeping thread and CPU.
//
// Threads: call from the thread that owns `io`; returns once `io` is stopped.

#include <boost/asio/io_context.hpp>

namespace parley::app {

void RunIoLoop(boost::asio::io_context& io);

}  // namespace parley::app
