#include "agent/common/asio_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mf {
namespace {

// The handler may already be queued when cancel() runs, so it checks a
// generation number instead of trusting operation_aborted alone.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}
  ~AsioTimer() override { cancel(); }

  void start(Duration after, std::function<void()> fn) override {
    ++state_->generation;
    state_->fn = std::move(fn);
    state_->timer.expires_after(after);
    state_->timer.async_wait([state = state_, gen = state_->generation](const boost::system::error_code&) {
      if (gen != state->generation || !state->fn) return;
      auto due = std::move(state->fn);
      state->fn = nullptr;
      due();
    });
  }

  void cancel() override {
    ++state_->generation;
    state_->fn = nullptr;
    state_->timer.cancel();
  }

  bool pending() const override { return static_cast<bool>(state_->fn); }

 private:
  struct State {
    explicit State(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::function<void()> fn;
    unsigned long generation = 0;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Timer> AsioScheduler::make_timer() { return std::make_unique<AsioTimer>(io_); }

void AsioScheduler::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

}  // namespace mf
