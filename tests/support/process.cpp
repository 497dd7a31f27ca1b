#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace mf::test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> make_env(const std::map<std::string, std::string>& add, const std::vector<std::string>& remove) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool drop = add.count(name) > 0;
    for (const auto& r : remove) drop = drop || r == name;
    if (!drop) env.push_back(entry);
  }
  for (const auto& [k, v] : add) env.push_back(k + "=" + v);
  return env;
}

// Our own binaries, built for another architecture, run through the emulator.
std::vector<std::string> with_emulator(const std::vector<std::string>& argv) {
  const std::string emulator = MF_TEST_EMULATOR;
  if (emulator.empty() || argv.empty()) return argv;
  const std::string& program = argv[0];
  auto ends_with = [&](const std::string& suffix) {
    return program.size() >= suffix.size() && program.compare(program.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (!ends_with("/manufactory-agent") && !ends_with("/mock-collector")) return argv;
  std::vector<std::string> out;
  std::istringstream words(emulator);
  for (std::string w; words >> w;) out.push_back(w);
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

[[noreturn]] void exec_child(const std::vector<std::string>& original_argv, const std::vector<std::string>& env) {
  const std::vector<std::string> argv = with_emulator(original_argv);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(args[0], args.data(), envp.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) throw std::runtime_error("pipe failed");
  const auto env = make_env(options.env_add, options.env_remove);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
    exec_child(argv, env);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::signal(SIGPIPE, SIG_IGN);
  if (!options.stdin_text.empty()) {
    [[maybe_unused]] auto n = ::write(in[1], options.stdin_text.data(), options.stdin_text.size());
  }
  ::close(in[1]);

  ProcessResult result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  const auto deadline = start + options.timeout;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = result.timed_out ? -1 : decode_status(status);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file,
                                     const std::map<std::string, std::string>& env_add) {
  const auto env = make_env(env_add, {});
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::close(devnull);
    exec_child(argv, env);
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::milliseconds(5000));
  }
}

bool BackgroundProcess::running() {
  if (status_ || pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = decode_status(status);
    return false;
  }
  return true;
}

void BackgroundProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  if (eventually([this] { return !running(); }, timeout)) return status_;
  return std::nullopt;
}

}  // namespace mf::test
