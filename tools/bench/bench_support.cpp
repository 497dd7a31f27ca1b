#include "tools/bench/bench_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/cli/unix_client.hpp"
#include "agent/common/json.hpp"

namespace bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, why.c_str());
  std::exit(1);
}

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double seconds_since(SteadyClock::time_point start) { return std::chrono::duration<double>(SteadyClock::now() - start).count(); }

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// ---------------------------------------------------------------- processes

Child::Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log) {
    pid_ = ::fork();
    if (pid_ < 0) die("fork failed");
    if (pid_ > 0) return;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // die() exits without destructors: the children go too
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));  // NOLINT: the child's own copy
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
}

Child::~Child() { stop(SIGKILL); }

void Child::stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

double Child::cpu_seconds() const {
    std::istringstream stat(read_text("/proc/" + std::to_string(pid_) + "/stat"));
    std::string field;
    double ticks = 0;
    for (int i = 1; i <= 15 && stat >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::uint64_t Child::proc_kib(const std::string& file, const std::string& key) const {
    std::istringstream in(read_text("/proc/" + std::to_string(pid_) + "/" + file));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size()));
    }
    return 0;
}

Mock::Mock(const Env& env, const std::string& name, const Scenario& scenario)
    : Mock(env, name,
           scenario.reply_delay_ms > 0 ? std::vector<std::string>{"--reply-delay", std::to_string(scenario.reply_delay_ms) + "ms"}
                                       : std::vector<std::string>{}) {}

Mock::Mock(const Env& env, const std::string& name, const std::vector<std::string>& extra) : dir_(env.work + "/" + name) {
    fs::remove_all(dir_);  // no stale port file from an earlier run
    fs::create_directories(dir_);
    std::vector<std::string> argv{env.build + "/mock-collector", "--platform", env.platform, "--cert", env.certs + "/server.pem",
                                  "--key", env.certs + "/server.key", "--port-file", dir_ + "/port", "--stats-file",
                                  dir_ + "/stats.json", "--latency-field", "t_ns", "--quiet", "--activation-code", "BenchCode",
                                  "--rate-limit", "100000000", "--catalog", "log.v1.0:String"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(argv, std::vector<std::string>{}, dir_ + "/mock.log");
    for (int i = 0; i < 500; ++i) {  // complete once the newline is there
      port_ = read_text(dir_ + "/port");
      if (!port_.empty() && port_.back() == '\n') break;
      std::this_thread::sleep_for(10ms);
    }
    if (port_.empty() || port_.back() != '\n') die("the mock collector did not start: " + read_text(dir_ + "/mock.log"));
    port_.pop_back();
}

rapidjson::Document Mock::stats() const {
    ::kill(child_->pid(), SIGUSR1);  // a fresh snapshot
    std::this_thread::sleep_for(100ms);
    auto doc = mf::json::parse_untrusted(read_text(dir_ + "/stats.json"), {64 << 20, 64});
    if (!doc) die("cannot read the mock's stats");
    return std::move(*doc);
}

std::uint64_t u64(const rapidjson::Value& v, const char* key) {
  const auto* m = mf::json::find(v, key);
  return m != nullptr && m->IsUint64() ? m->GetUint64() : 0;
}


std::string attributes(std::int64_t seq, std::size_t size, bool stamp) {
  std::string a = "{\"seq\":" + std::to_string(seq) + (stamp ? ",\"t_ns\":" + std::to_string(now_ns()) : "") + ",\"p\":\"";
  a.append(size > a.size() + 2 ? size - a.size() - 2 : 0, 'x');
  return a + "\"}";
}

std::string rest_attributes(const std::string& platform, int actor, std::int64_t seq, std::size_t size) {
  // OISP: component names of 4 characters or more; MobiusFlow: an object per actor.
  const std::string k = platform == "mobiusflow" ? "_" + std::to_string(actor % kMobiusObjects) : "";
  std::string a = "{\"sequence" + k + "\":" + std::to_string(seq) + ",\"payload" + k + "\":\"";
  a.append(size > a.size() + 2 ? size - a.size() - 2 : 0, 'x');
  return a + "\"}";
}

std::string actor_json(int actor) { return "{\"username\":\"bench_" + std::to_string(actor) + "\"}"; }

std::string ingest_line(const Env& env, int actor, std::int64_t seq, std::size_t size, bool stamp) {
  if (env.platform == "mobiusflow") return rest_attributes(env.platform, actor, seq, size);
  const std::string a = env.platform == "oisp" ? rest_attributes(env.platform, actor, seq, size) : attributes(seq, size, stamp);
  return "{\"actor\":" + actor_json(actor) + ",\"attributes\":" + a + "}";
}


std::string platform_yaml(const Env& env, const std::string& port) {
  const std::string url = "https://localhost:" + port;
  const std::string ca = "  ca_file: " + env.certs + "/ca.pem\n";
  if (env.platform == "oisp") {  // the server's rate limit raised: the bench measures the agent, not the limit
    return "platform: oisp\nstate_directory: " + env.work + "/agent-state\noisp:\n  device_id: bench\n"
           "  activation_code: \"BenchCode\"\n  components:\n    sequence: temperature.v1.0\n    payload: log.v1.0\n"
           "  max_requests_per_hour: 100000000\nactor:\n  username: bench\ncollector:\n  url: " + url + "\n" + ca;
  }
  if (env.platform == "mobiusflow") {
    std::string resources;
    for (int k = 0; k < kMobiusObjects; ++k) {
      resources += "    sequence_" + std::to_string(k) + ": 0000" + std::to_string(k) + "0/020/0010/0001/40\n"
                   "    payload_" + std::to_string(k) + ": 0000" + std::to_string(k) + "0/020/0010/0001/41\n";
    }
    return "platform: mobiusflow\nmobiusflow:\n  username: gateway_01\n  password: test-password\n  resources:\n" + resources +
           "collector:\n  url: " + url + "\n" + ca;
  }
  if (env.platform == "sama") {
    return "platform: sama\nsama:\n  organization_id: \"680a2fae96cc69d78861f101\"\n  login: gateway_01\n"
           "  password: test-password\n  device_id: bench\n  conversation_id: \"6b0f0bcaa882842c8dfe74f4\"\n"
           "actor:\n  username: bench\ncollector:\n  url: " + url + "\n" + ca;
  }
  return "org_id: \"org_test\"\nproject_id: 1\nproject_key: \"test-project-key\"\nactor:\n  username: bench\n"
         "collector:\n  url: " + url + "\n  ws_url: wss://localhost:" + port + "/ws\n" + ca;
}

Agent::Agent(const Env& env, const Mock& mock, const std::string& name, const std::string& uplink_yaml,
             const std::string& more_yaml)
    : dir_(env.work + "/" + name) {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  const std::string config = dir_ + "/config.yaml";
  std::ofstream(config) << platform_yaml(env, mock.port())
                        << "buffer:\n  max_events: 4000000\n  max_bytes: 2GiB\n"
                        << "uplink:\n  max_connections: 8\n" << uplink_yaml << more_yaml
                        << "log:\n  level: warn\n"
                        << "ingest:\n  socket: " << ingest_socket() << "\n  control_socket: " << dir_ << "/control.sock\n";
  fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write);
  const std::string notify = dir_ + "/notify";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("cannot bind " + notify);
  const auto start = SteadyClock::now();
  child_ = std::make_unique<Child>(std::vector<std::string>{env.build + "/manufactory-agent", "run", "--config", config},
                                   std::vector<std::string>{"NOTIFY_SOCKET=" + notify}, dir_ + "/agent.log");
  char buf[4096];
  timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) die("the agent did not report READY=1: " + read_text(dir_ + "/agent.log"));
    if (std::string_view(buf, static_cast<std::size_t>(n)).find("READY=1") != std::string_view::npos) break;
  }
  ready_ms_ = seconds_since(start) * 1000;
  ::close(fd);
}

std::uint64_t Agent::events_acked() const {
  auto answer = mf::cli::UnixLineClient::request(dir_ + "/control.sock", "control", "status");
  if (!answer) die(answer.error().message);
  auto doc = mf::json::parse_untrusted(*answer, {16 << 20, 32});
  if (!doc) die("status failed: " + *answer);
  return u64(*doc, "events_acked");
}

void Agent::wait_for_acked(std::uint64_t n) const {
  const auto deadline = SteadyClock::now() + 300s;
  while (events_acked() < n) {
    if (SteadyClock::now() > deadline) die("the agent did not deliver " + std::to_string(n) + " events in 300 s");
    std::this_thread::sleep_for(2ms);
  }
}

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("cannot connect to " + path);
  return fd;
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) die("the agent closed the ingest socket");
    done += static_cast<std::size_t>(n);
  }
}

// Reads n reply lines; every one must be {"ok":true}.
std::thread read_replies(int fd, std::uint64_t n) {
  return std::thread([fd, n] {
    std::uint64_t lines = 0;
    std::string pending;
    std::vector<char> buf(64 << 10);
    while (lines < n) {
      const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
      if (got <= 0) die("the ingest socket closed early");
      pending.append(buf.data(), static_cast<std::size_t>(got));
      std::size_t from = 0;
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', from)) {
        if (pending.compare(from, nl - from, R"({"ok":true})") != 0) die("refused at ingest: " + pending.substr(from, nl - from));
        ++lines;
        from = nl + 1;
      }
      pending.erase(0, from);
    }
  });
}

Env make_env(const std::string& platform) {
  Env env;
  env.platform = platform;
  env.build = fs::canonical("/proc/self/exe").parent_path().string();
  env.source = MF_SOURCE_DIR;
  char tmpl[] = "/tmp/mf-agent-bench-XXXXXX";
  env.work = ::mkdtemp(tmpl);
  env.certs = env.work + "/certs";
  const std::string make_certs = env.source + "/tools/make-test-certs.sh " + env.certs + " > /dev/null 2>&1";
  if (std::system(make_certs.c_str()) != 0) die("tools/make-test-certs.sh failed");
  return env;
}

}  // namespace bench
