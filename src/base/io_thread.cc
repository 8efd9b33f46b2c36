#include "base/io_thread.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace parley::base {

IoThread::IoThread(std::string name)
    : name_(std::move(name)),
      work_(std::in_place, io_.get_executor()),
      ran_out_future_(ran_out_.get_future()),
      thread_([this] {
        io_.run();
        ran_out_.set_value();
      }) {}

IoThread::~IoThread() { Stop(std::chrono::milliseconds(0)); }

void IoThread::Stop(std::chrono::milliseconds grace) {
  if (state_ == State::kStopped) return;
  state_ = State::kStopped;
  work_.reset();
  if (ran_out_future_.wait_for(grace) != std::future_status::ready) {
    if (grace.count() > 0) {
      spdlog::debug("{}: work left after {} ms; stopping", name_, grace.count());
    }
    io_.stop();
  }
  thread_.join();
}

}  // namespace parley::base
