#pragma once
// Runs a real binary as a child process, with its output captured and a
// deadline, so a hang fails the test instead of blocking it.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mf::test {

struct ProcessResult {
  int exit_code = -1;      // -1 when killed by a signal or the deadline
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{};
  std::string all() const { return out + err; }
};

struct ProcessOptions {
  std::map<std::string, std::string> env_add;
  std::vector<std::string> env_remove;
  std::string cwd;
  std::string stdin_text;
  std::chrono::milliseconds timeout{30'000};
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A child left running (the mock collector, the daemon); killed on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file,
                    const std::map<std::string, std::string>& env_add = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for the exit; returns its code, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Polls until pred() or the deadline; returns pred()'s last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    struct timespec ts {0, 10'000'000};
    nanosleep(&ts, nullptr);
  }
  return pred();
}

}  // namespace mf::test
