// reconnect-soak: events flow while the mock kills the agent's connection
// again and again; the agent's RSS is sampled as the connections add up.
//
//   reconnect-soak [--connections N] [--kill-every K] [--actors A]
//
// Passes (exit 0) when every event arrived, in order per actor, and the RSS
// grew by at most 512 KiB from the 1 000th connection to the last: a leak
// per reconnect would show as a steady climb. Prints the samples either way.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "agent/common/json.hpp"
#include "tools/bench/bench_support.hpp"

namespace {

using namespace bench;
using namespace std::chrono_literals;

struct Options {
  std::uint64_t connections = 10'000;
  int kill_every = 20;
  int actors = 2;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--connections" && i + 1 < argc) o.connections = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--kill-every" && i + 1 < argc) o.kill_every = std::max(2, std::atoi(argv[++i]));
    else if (a == "--actors" && i + 1 < argc) o.actors = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: reconnect-soak [--connections N] [--kill-every K] [--actors A]\n");
      std::exit(2);
    }
  }
  return o;
}

std::string event_line(int actor, std::int64_t seq) {
  return "{\"actor\":" + actor_json(actor) + ",\"attributes\":{\"seq\":" + std::to_string(seq) + ",\"p\":\"" +
         std::string(60, 'x') + "\"}}\n";
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  const Env env = make_env("manufactory");
  Mock mock(env, "soak-mock", std::vector<std::string>{"--kill-every", std::to_string(o.kill_every)});
  // Reconnect at once: the soak is about what each reconnect leaves behind, not the back-off.
  Agent agent(env, mock, "soak-agent", "  backoff_base: 1ms\n  backoff_cap: 10ms\n");
  const auto connections = [&] { return u64(mock.stats(), "connections"); };

  const int fd = connect_unix(agent.ingest_socket());
  std::vector<std::int64_t> sent(static_cast<std::size_t>(o.actors), 0);
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> samples;  // connections, RSS KiB
  std::uint64_t next_sample = 0;
  const auto start = SteadyClock::now();
  while (connections() < o.connections) {
    std::string lines;
    for (int i = 0; i < 200; ++i) {
      const int actor = i % o.actors;
      lines += event_line(actor, sent[static_cast<std::size_t>(actor)]++);
    }
    auto reader = read_replies(fd, 200);
    write_all(fd, lines);
    reader.join();
    total += 200;
    while (agent.events_acked() + 1000 < total) std::this_thread::sleep_for(1ms);  // a steady flow, not a backlog
    if (const auto c = connections(); c >= next_sample) {
      samples.emplace_back(c, agent.process().status_kib("VmRSS:"));
      next_sample = c + std::max<std::uint64_t>(o.connections / 20, 1);
    }
  }
  agent.wait_for_acked(total);
  samples.emplace_back(connections(), agent.process().status_kib("VmRSS:"));
  const double took = seconds_since(start);

  std::printf("reconnect-soak: %llu events over %llu connections (the mock kills each after %d events) in %.1f s\n\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(samples.back().first), o.kill_every, took);
  std::printf("%12s %10s\n", "connections", "RSS KiB");
  for (const auto& [c, rss] : samples) std::printf("%12llu %10llu\n", static_cast<unsigned long long>(c), static_cast<unsigned long long>(rss));

  bool ok = true;
  const auto stats = mock.stats();
  const auto* actors = mf::json::find(stats, "actors");
  std::uint64_t unique = 0, duplicates = 0, out_of_order = 0;
  if (actors != nullptr && actors->IsObject()) {
    for (auto it = actors->MemberBegin(); it != actors->MemberEnd(); ++it) {
      unique += u64(it->value, "unique");
      duplicates += u64(it->value, "duplicates");
      out_of_order += u64(it->value, "out_of_order");
    }
  }
  std::printf("\ndelivered: %llu of %llu unique, %llu duplicates, %llu out of order\n", static_cast<unsigned long long>(unique),
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(duplicates),
              static_cast<unsigned long long>(out_of_order));
  if (unique != total || out_of_order != 0) ok = false;

  std::uint64_t base = 0, peak = 0;
  for (const auto& [c, rss] : samples) {
    if (c < 1000) continue;
    if (base == 0) base = rss;
    peak = std::max(peak, rss);
  }
  const std::uint64_t growth = peak > base ? peak - base : 0;
  std::printf("RSS growth from the 1000th connection on: %llu KiB (limit 512)\n", static_cast<unsigned long long>(growth));
  if (base == 0 || growth > 512) ok = false;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
