// agent-bench: the agent end to end, against the mock collector over TLS on
// loopback, next to the ceiling an ideal client reaches on the same collector.
//
//   agent-bench [--platform manufactory|sama|oisp|mobiusflow] [--reply-delay MS] [--runs N] [--quick] [--json FILE]
//   agent-bench --inputs [--runs N] [--quick] [--json FILE]
//
// Scenarios (each run starts a fresh mock collector and, for the agent, a
// fresh `manufactory-agent run`):
//   ceiling     an ideal pipelined client of the platform (ideal_clients.cpp):
//               log in, connect, write every event at once (no window), count
//               confirmations. Boost.Beast, nothing else.
//   delay       the mock delays every reply (order kept), as a collector far
//               away would: rows for 1, 10, 50 and 200 ms on the streaming
//               platforms (or only --reply-delay MS).
//   agent       the same events through the ingest socket (as `send` does);
//               throughput = events acknowledged by the collector per second,
//               from the first line written to the last acknowledgement.
//   latency     events paced at a fixed rate; each carries its creation time
//               and the mock reports creation -> reply written (p50/p99/max).
//   --inputs    the same events through the ingest socket, MQTT (mosquitto
//               and mosquitto_pub) and HTTP POSTs (input_rows.cpp), only.
// Also: agent CPU time per event (utime+stime), RSS idle and peak, start to READY=1.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/cli/unix_client.hpp"
#include "agent/common/json.hpp"
#include "tools/bench/bench_support.hpp"
#include "tools/bench/ideal_clients.hpp"
#include "tools/bench/input_rows.hpp"

namespace {

using namespace bench;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct AgentRun {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
  double ready_ms = 0;
  std::uint64_t rss_idle_kib = 0;
  std::uint64_t pss_idle_kib = 0;
  std::uint64_t private_idle_kib = 0;  // USS: what only this process holds
  std::uint64_t rss_peak_kib = 0;
  double mock_cpu_share = 0;
  double mock_us_per_event = 0;
};

// Full speed: every line written at once (as fast as the socket takes them).
AgentRun run_agent(const Env& env, const Scenario& scenario) {
  const int actors = scenario.actors, events = scenario.events;
  const std::size_t size = scenario.size;
  Mock mock(env, "agent-mock", scenario);
  Agent agent(env, mock, "agent");
  AgentRun r;
  r.ready_ms = agent.ready_ms();
  {  // connected and idle: one event per actor, delivered
    const int fd = connect_unix(agent.ingest_socket());
    std::string warmup;
    for (int a = 0; a < actors; ++a) warmup += ingest_line(env, a, -1, size, false) + "\n";
    auto reader = read_replies(fd, static_cast<std::uint64_t>(actors));
    write_all(fd, warmup);
    reader.join();
    ::close(fd);
    agent.wait_for_acked(static_cast<std::uint64_t>(actors));
    std::this_thread::sleep_for(200ms);
    r.rss_idle_kib = agent.process().status_kib("VmRSS:");
    r.pss_idle_kib = agent.process().rollup_kib("Pss:");
    r.private_idle_kib = agent.process().rollup_kib("Private_Clean:") + agent.process().rollup_kib("Private_Dirty:");
  }
  std::string lines;
  lines.reserve(static_cast<std::size_t>(events) * (size + 64));
  for (int i = 0; i < events; ++i) lines += ingest_line(env, i % actors, i / actors, size, false) + "\n";
  const double cpu_before = agent.process().cpu_seconds();
  const double mock_cpu_before = mock.process().cpu_seconds();
  const int fd = connect_unix(agent.ingest_socket());
  const auto start = SteadyClock::now();
  auto reader = read_replies(fd, static_cast<std::uint64_t>(events));
  write_all(fd, lines);
  reader.join();
  agent.wait_for_acked(static_cast<std::uint64_t>(events + actors));
  const double took = seconds_since(start);
  ::close(fd);
  r.events_per_s = events / took;
  r.cpu_us_per_event = (agent.process().cpu_seconds() - cpu_before) * 1e6 / events;
  const double mock_cpu = mock.process().cpu_seconds() - mock_cpu_before;
  r.mock_cpu_share = mock_cpu / took;
  r.mock_us_per_event = mock_cpu * 1e6 / events;
  r.rss_peak_kib = agent.process().status_kib("VmHWM:");
  return r;
}

struct LatencyRun {
  std::uint64_t p50_us = 0, p99_us = 0, max_us = 0, count = 0;
};

// `rate` events per second for `seconds`, one actor, each stamped when made.
LatencyRun run_latency(const Env& env, int rate, double seconds, std::size_t size) {
  Mock mock(env, "latency-mock");
  Agent agent(env, mock, "latency");
  const int events = static_cast<int>(rate * seconds);
  const int fd = connect_unix(agent.ingest_socket());
  {  // connected first: the time to connect is not part of any event's latency (READY is measured apart)
    auto reader = read_replies(fd, 1);
    write_all(fd, ingest_line(env, 0, -1, size, false) + "\n");  // not stamped, so not in the histogram
    reader.join();
    agent.wait_for_acked(1);
  }
  auto reader = read_replies(fd, static_cast<std::uint64_t>(events));
  const auto start = SteadyClock::now();
  const auto period = std::chrono::nanoseconds(1'000'000'000LL / rate);
  for (int i = 0; i < events; ++i) {
    std::this_thread::sleep_until(start + period * i);
    write_all(fd, ingest_line(env, 0, i, size, true) + "\n");
  }
  reader.join();
  agent.wait_for_acked(static_cast<std::uint64_t>(events) + 1);
  ::close(fd);
  auto stats = mock.stats();
  const auto* latency = mf::json::find(stats, "latency_us");
  if (latency == nullptr) die("the mock reported no latency");
  return {u64(*latency, "p50"), u64(*latency, "p99"), u64(*latency, "max"), u64(*latency, "count")};
}

// ---------------------------------------------------------------- statistics and output

struct Summary {
  double median = 0, min = 0, max = 0;
};

Summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

std::string range(const Summary& s, const char* format) {
  char a[64], b[64], c[64];
  std::snprintf(a, sizeof a, format, s.median);
  std::snprintf(b, sizeof b, format, s.min);
  std::snprintf(c, sizeof c, format, s.max);
  return std::string(a) + " (" + b + "–" + c + ")";
}

struct Options {
  int runs = 3;
  bool quick = false;
  std::string json_file;
  std::string platform = "manufactory";
  int reply_delay_ms = -1;  // --reply-delay: only rows with this delay
  int events = 0;           // --events: events per row with --reply-delay (0: 100 000)
  bool inputs = false;      // --inputs: only the rows of the inputs
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) o.runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--quick") o.quick = true;
    else if (a == "--inputs") o.inputs = true;
    else if (a == "--json" && i + 1 < argc) o.json_file = argv[++i];
    else if (a == "--platform" && i + 1 < argc) o.platform = argv[++i];
    else if (a == "--reply-delay" && i + 1 < argc) o.reply_delay_ms = std::max(0, std::atoi(argv[++i]));
    else if (a == "--events" && i + 1 < argc) o.events = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: agent-bench [--platform manufactory|sama|oisp|mobiusflow] [--reply-delay MS [--events N]] [--runs N] "
                           "[--quick] [--json FILE]\n       agent-bench --inputs [--runs N] [--quick] [--json FILE]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  if (o.platform != "manufactory" && o.platform != "sama" && o.platform != "oisp" && o.platform != "mobiusflow") {
    die("--platform: manufactory, sama, oisp or mobiusflow");
  }
  if (o.events > 0 && o.reply_delay_ms < 0) die("--events sets the rows of --reply-delay: give both");
  const Env env = make_env(o.platform);
  if (o.inputs) {
    const std::string rows = run_input_rows(env, o.runs, o.quick);
    if (!o.json_file.empty()) std::ofstream(o.json_file) << "{\"inputs\":" << rows << "}\n";
    fs::remove_all(env.work);
    return 0;
  }
  const int scale = o.quick ? 10 : 1;
  std::vector<Scenario> rows = {{1, 100, 200'000 / scale, 0}, {8, 100, 200'000 / scale, 0},
                                {1, 1024, 100'000 / scale, 0}, {8, 1024, 100'000 / scale, 0}};
  const bool streams = o.platform == "manufactory" || o.platform == "sama";
  if (o.reply_delay_ms >= 0) {
    const int events = o.events > 0 ? o.events : 100'000 / scale;  // more: the steady state past the slow start
    rows = {{1, 100, events, o.reply_delay_ms}, {8, 100, events, o.reply_delay_ms}};
  } else if (streams) {  // a collector far away: the replies take this long
    for (int delay : {1, 10, 50, 200}) {
      for (int actors : {1, 8}) rows.push_back({actors, 100, 100'000 / scale, delay});
    }
  }
  std::string json = "{\"platform\":\"" + o.platform + "\",\"runs\":" + std::to_string(o.runs) + ",\"throughput\":[";
  std::printf("agent-bench: platform %s; median (min–max) of %d runs; its mock over TLS on loopback; the ceiling without "
              "a window, the agent on its default config\n\n",
              o.platform.c_str(), o.runs);
  std::printf("%-6s %6s %6s %7s %24s %24s %18s %18s %11s %15s %15s\n", "actors", "event", "delay", "events", "ceiling ev/s", "agent ev/s",
              "agent/ceiling", "agent CPU µs/ev", "ideal µs/ev", "mock µs/ev c/a", "mock busy c/a");
  std::vector<double> ready_ms, rss_idle, pss_idle, uss_idle, rss_peak;
  bool first = true;
  for (const auto& c : rows) {
    std::vector<double> ceiling, agent, ratio, cpu, ideal_cpu, mock_us_c, mock_us_a, mock_busy_c, mock_busy_a;
    for (int run = 0; run < o.runs; ++run) {
      const CeilingRun ideal = run_ceiling(env, c);
      ceiling.push_back(ideal.events_per_s);
      ideal_cpu.push_back(ideal.cpu_us_per_event);
      mock_us_c.push_back(ideal.mock_us_per_event);
      mock_busy_c.push_back(ideal.mock_cpu_share);
      const AgentRun a = run_agent(env, c);
      agent.push_back(a.events_per_s);
      ratio.push_back(a.events_per_s / ceiling.back());
      cpu.push_back(a.cpu_us_per_event);
      mock_us_a.push_back(a.mock_us_per_event);
      mock_busy_a.push_back(a.mock_cpu_share);
      ready_ms.push_back(a.ready_ms);
      rss_idle.push_back(static_cast<double>(a.rss_idle_kib));
      pss_idle.push_back(static_cast<double>(a.pss_idle_kib));
      uss_idle.push_back(static_cast<double>(a.private_idle_kib));
      rss_peak.push_back(static_cast<double>(a.rss_peak_kib));
    }
    const auto ce = summarize(ceiling), ag = summarize(agent), ra = summarize(ratio), cp = summarize(cpu),
               ic = summarize(ideal_cpu), muc = summarize(mock_us_c), mua = summarize(mock_us_a), mbc = summarize(mock_busy_c),
               mba = summarize(mock_busy_a);
    std::printf("%-6d %5zuB %4dms %7d %24s %24s %18s %18s %11.1f %8.1f / %4.1f %8.0f%% / %2.0f%%\n", c.actors, c.size,
                c.reply_delay_ms, c.events,
                range(ce, "%.0f").c_str(), range(ag, "%.0f").c_str(), range(ra, "%.2f").c_str(), range(cp, "%.1f").c_str(),
                ic.median, muc.median, mua.median, mbc.median * 100, mba.median * 100);
    char item[640];
    std::snprintf(item, sizeof item,
                  "%s{\"actors\":%d,\"event_bytes\":%zu,\"reply_delay_ms\":%d,\"events\":%d,\"ceiling_events_per_s\":%.0f,"
                  "\"agent_events_per_s\":%.0f,"
                  "\"ratio\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,\"cpu_us_per_event\":%.2f,\"ideal_cpu_us_per_event\":%.2f,"
                  "\"mock_us_per_event_ceiling\":%.2f,\"mock_us_per_event_agent\":%.2f,\"mock_busy_ceiling\":%.2f,"
                  "\"mock_busy_agent\":%.2f}",
                  first ? "" : ",", c.actors, c.size, c.reply_delay_ms, c.events, ce.median, ag.median, ra.median, ra.min, ra.max, cp.median,
                  ic.median, muc.median, mua.median, mbc.median, mba.median);
    json += item;
    first = false;
  }
  json += "],\"latency\":[";
  const bool latency = o.platform == "manufactory";  // the mock's --latency-field histogram
  if (latency) std::printf("\n%-10s %8s %22s %22s %22s\n", "rate ev/s", "events", "p50 µs", "p99 µs", "max µs");
  first = true;
  for (int rate : {1'000, 10'000}) {
    if (!latency) break;
    std::vector<double> p50, p99, mx;
    for (int run = 0; run < o.runs; ++run) {
      const LatencyRun l = run_latency(env, rate, o.quick ? 1.0 : 3.0, 100);
      p50.push_back(static_cast<double>(l.p50_us));
      p99.push_back(static_cast<double>(l.p99_us));
      mx.push_back(static_cast<double>(l.max_us));
    }
    const auto a = summarize(p50), b = summarize(p99), c = summarize(mx);
    std::printf("%-10d %8d %22s %22s %22s\n", rate, static_cast<int>(rate * (o.quick ? 1.0 : 3.0)), range(a, "%.0f").c_str(),
                range(b, "%.0f").c_str(), range(c, "%.0f").c_str());
    char item[256];
    std::snprintf(item, sizeof item, "%s{\"rate\":%d,\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f}", first ? "" : ",", rate,
                  a.median, b.median, c.median);
    json += item;
    first = false;
  }
  const auto rd = summarize(ready_ms), ri = summarize(rss_idle), pi = summarize(pss_idle), ui = summarize(uss_idle),
             rp = summarize(rss_peak);
  std::printf("\nstart to READY=1: %s ms\nconnected and idle: RSS %s KiB, PSS %.0f KiB, private (USS) %.0f KiB\n"
              "RSS peak (largest run, its whole burst buffered): %.0f KiB\n",
              range(rd, "%.1f").c_str(), range(ri, "%.0f").c_str(), pi.median, ui.median, rp.max);
  char tail[256];
  std::snprintf(tail, sizeof tail,
                "],\"ready_ms\":%.1f,\"rss_idle_kib\":%.0f,\"pss_idle_kib\":%.0f,\"uss_idle_kib\":%.0f,\"rss_peak_kib\":%.0f}\n",
                rd.median, ri.median, pi.median, ui.median, rp.max);
  json += tail;
  if (!o.json_file.empty()) std::ofstream(o.json_file) << json;
  fs::remove_all(env.work);
  return 0;
}
