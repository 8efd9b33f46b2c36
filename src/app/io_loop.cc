#include "app/io_loop.h"

#include <boost/asio/executor_work_guard.hpp>

#include <chrono>

#include "base/spin_wait.h"

namespace parley::app {
namespace {

// Covers one synced store write: fdatasync on the disks we run on takes
// 0.1–0.2 ms, plus the writer thread's work around it.
constexpr auto kIoSpin = std::chrono::microseconds(300);

}  // namespace

void RunIoLoop(boost::asio::io_context& io) {
  auto guard = boost::asio::make_work_guard(io);
  base::SpinWait spin(kIoSpin);
  while (!io.stopped()) {
    if (io.poll() > 0) continue;  // ran handlers; there may be more
    // run_one blocks until a handler ran (or the io_context is stopped).
    if (!spin.Spin([&] { return io.poll() > 0; })) io.run_one();
    spin.Done(true);
  }
}

}  // namespace parley::app
