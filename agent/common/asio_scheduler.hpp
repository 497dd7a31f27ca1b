#pragma once
#include <boost/asio/io_context.hpp>

#include "agent/common/scheduler.hpp"

namespace mf {

class AsioScheduler final : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
  TimePoint now() const override { return Clock::now(); }
  std::unique_ptr<Timer> make_timer() override;
  void post(std::function<void()> fn) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace mf
