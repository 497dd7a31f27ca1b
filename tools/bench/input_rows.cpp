#include "tools/bench/input_rows.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

namespace bench {
namespace {

using namespace std::chrono_literals;

constexpr int kHttpBatch = 1000;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int connect_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 200; ++i) {
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    std::this_thread::sleep_for(10ms);
  }
  die("cannot connect to 127.0.0.1:" + std::to_string(port));
}

// One keep-alive POST; dies unless the answer is 200.
void post(int fd, const std::string& body) {
  const std::string head = "POST /v1/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-ndjson\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  write_all(fd, head + body);
  std::string answer;
  char buf[65536];
  std::size_t want = std::string::npos;
  while (want == std::string::npos || answer.size() < want) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) die("the HTTP input closed the connection");
    answer.append(buf, static_cast<std::size_t>(n));
    const auto end = answer.find("\r\n\r\n");
    if (end != std::string::npos && want == std::string::npos) {
      const auto cl = answer.find("Content-Length: ");
      want = end + 4 + (cl == std::string::npos ? 0 : std::strtoul(answer.c_str() + cl + 16, nullptr, 10));
    }
  }
  if (answer.compare(0, 12, "HTTP/1.1 200") != 0) die("the HTTP input answered: " + answer.substr(0, 300));
}

struct Broker {
  explicit Broker(const Env& env) : port(free_port()) {
    const std::string conf = env.work + "/mosquitto.conf";
    std::ofstream(conf) << "listener " << port << " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
                        << "max_inflight_messages 100\nuser " << (std::getenv("USER") ? std::getenv("USER") : "root") << "\n";
    child = std::make_unique<Child>(std::vector<std::string>{"/usr/sbin/mosquitto", "-c", conf}, std::vector<std::string>{},
                                    env.work + "/mosquitto.log");
    ::close(connect_tcp(port));
  }
  int port;
  std::unique_ptr<Child> child;
};

struct InputRun {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
};

InputRun measure(const Agent& agent, int events, const std::function<void()>& feed) {
  const double cpu_before = agent.process().cpu_seconds();
  const auto start = SteadyClock::now();
  feed();
  agent.wait_for_acked(static_cast<std::uint64_t>(events) + 1);
  const double took = seconds_since(start);
  return {events / took, (agent.process().cpu_seconds() - cpu_before) * 1e6 / events};
}

std::vector<std::string> event_lines(const Env& env, int events) {
  std::vector<std::string> lines;
  for (int i = 0; i < events; ++i) lines.push_back(ingest_line(env, 0, i, 100, false));
  return lines;
}

InputRun via_socket(const Env& env, int events) {
  Mock mock(env, "in-socket-mock");
  Agent agent(env, mock, "in-socket");
  const int fd = connect_unix(agent.ingest_socket());
  {
    auto r = read_replies(fd, 1);
    write_all(fd, ingest_line(env, 0, -1, 100, false) + "\n");
    r.join();
    agent.wait_for_acked(1);
  }
  std::string all;
  for (const auto& l : event_lines(env, events)) all += l + "\n";
  const InputRun run = measure(agent, events, [&] {
    auto r = read_replies(fd, static_cast<std::uint64_t>(events));
    write_all(fd, all);
    r.join();
  });
  ::close(fd);
  return run;
}

InputRun via_mqtt(const Env& env, int events) {
  Broker broker(env);
  Mock mock(env, "in-mqtt-mock");
  const std::string yaml = "inputs:\n  mqtt:\n    url: mqtt://127.0.0.1:" + std::to_string(broker.port) +
                           "\n    client_id: bench\n    topics:\n      \"bench/#\": default\n";
  Agent agent(env, mock, "in-mqtt", "", yaml);
  const std::string pub = "/usr/bin/mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker.port) + " -q 1 -t bench/t";
  // Connected and subscribed: the first event delivered.
  for (int i = 0; i < 200 && agent.events_acked() == 0; ++i) {
    if (std::system((pub + " -m '" + ingest_line(env, 0, -1, 100, false) + "'").c_str()) != 0) die("mosquitto_pub failed");
    std::this_thread::sleep_for(50ms);
  }
  agent.wait_for_acked(1);
  const std::string file = env.work + "/mqtt-lines";
  {
    std::ofstream out(file);
    for (const auto& l : event_lines(env, events)) out << l << "\n";
  }
  return measure(agent, events, [&] {
    if (std::system((pub + " -l < " + file).c_str()) != 0) die("mosquitto_pub failed");
  });
}

InputRun via_http(const Env& env, int events) {
  const int port = free_port();
  Mock mock(env, "in-http-mock");
  Agent agent(env, mock, "in-http", "", "inputs:\n  http:\n    listen: 127.0.0.1:" + std::to_string(port) + "\n    max_body_bytes: 4MiB\n");
  const int fd = connect_tcp(port);
  post(fd, ingest_line(env, 0, -1, 100, false) + "\n");
  agent.wait_for_acked(1);
  const auto lines = event_lines(env, events);
  std::vector<std::string> bodies;
  for (int i = 0; i < events; i += kHttpBatch) {
    std::string body;
    for (int j = i; j < std::min(events, i + kHttpBatch); ++j) body += lines[static_cast<std::size_t>(j)] + "\n";
    bodies.push_back(std::move(body));
  }
  const InputRun run = measure(agent, events, [&] {
    for (const auto& b : bodies) post(fd, b);
  });
  ::close(fd);
  return run;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

std::string run_input_rows(const Env& env, int runs, bool quick) {
  if (::access("/usr/sbin/mosquitto", X_OK) != 0) die("agent-bench --inputs needs mosquitto and mosquitto-clients");
  const int events = quick ? 2'000 : 20'000;
  struct Row {
    const char* name;
    InputRun (*run)(const Env&, int);
    std::vector<double> rate, cpu;
  };
  std::vector<Row> rows = {{"socket", via_socket, {}, {}}, {"mqtt", via_mqtt, {}, {}}, {"http", via_http, {}, {}}};
  for (int r = 0; r < runs; ++r) {
    for (auto& row : rows) {  // alternating: socket, mqtt, http, socket, ...
      const InputRun run = row.run(env, events);
      row.rate.push_back(run.events_per_s);
      row.cpu.push_back(run.cpu_us_per_event);
    }
  }
  std::printf("\ninputs -> collector: %d events of 100 B, 1 actor, median of %d runs (alternating)\n", events, runs);
  std::printf("%-8s %12s %16s\n", "input", "ev/s", "agent CPU µs/ev");
  std::string json = "[";
  for (const auto& row : rows) {
    std::printf("%-8s %12.0f %16.1f\n", row.name, median(row.rate), median(row.cpu));
    char item[200];
    std::snprintf(item, sizeof item, "%s{\"input\":\"%s\",\"events\":%d,\"events_per_s\":%.0f,\"cpu_us_per_event\":%.2f}",
                  json.size() > 1 ? "," : "", row.name, events, median(row.rate), median(row.cpu));
    json += item;
  }
  return json + "]";
}

}  // namespace bench
