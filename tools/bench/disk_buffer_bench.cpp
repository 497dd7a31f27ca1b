// disk-buffer-bench: what the disk buffer costs. Append throughput per sync
// policy, bytes written per payload byte, recovery time for a large backlog,
// and the memory a 1 GiB backlog takes. Prints a table and, with --json, JSON.
//
//   disk-buffer-bench [--dir DIR] [--runs N] [--recovery-events N] [--backlog-mib N] [--json]
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/buffer/disk_buffer.hpp"
#include "agent/common/asio_scheduler.hpp"
#include "agent/common/log.hpp"

namespace {

namespace fs = std::filesystem;
using mf::buffer::DiskBuffer;
using mf::buffer::DiskOptions;
using mf::buffer::SyncPolicy;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string dir = "/var/tmp/mf-disk-buffer-bench";
  int runs = 3;
  int recovery_events = 1'000'000;
  int backlog_mib = 1024;
  bool json = false;
};

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::uint64_t status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field)));
  }
  return 0;
}

void reset_hwm() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string event_of(std::size_t size, int n) {
  std::string e = "{\"seq\":" + std::to_string(n) + ",\"p\":\"";
  e.append(size > e.size() + 2 ? size - e.size() - 2 : 0, 'x');
  return e + "\"}";
}

struct Harness {
  boost::asio::io_context io;
  mf::AsioScheduler scheduler{io};

  std::unique_ptr<DiskBuffer> open(const std::string& path, SyncPolicy sync, std::uint64_t max_bytes) {
    DiskOptions o;
    o.path = path;
    o.sync = sync;
    o.limits = {100'000'000, max_bytes, mf::buffer::Overflow::reject_new};
    auto b = DiskBuffer::open(o, scheduler);
    if (!b) {
      std::fprintf(stderr, "disk-buffer-bench: %s\n", b.error().message.c_str());
      std::exit(1);
    }
    (*b)->describe_actor(1, R"({"username":"bench"})");
    return std::move(*b);
  }

  // Pushes n events; the event loop runs in between, so group commits happen as in the daemon.
  void fill(DiskBuffer& b, int n, std::size_t size) {
    const std::string payload = event_of(size, 0);
    for (int i = 0; i < n; ++i) {
      if (!b.push(1, payload, 0).accepted) {
        std::fprintf(stderr, "disk-buffer-bench: push refused at event %d\n", i);
        std::exit(1);
      }
      if ((i & 255) == 0) io.poll();
    }
    io.poll();
  }
};

struct AppendResult {
  const char* policy;
  std::size_t size;
  int events;
  double events_per_s;
  double mb_per_s;
  double amplification;
};

AppendResult bench_append(const Options& o, SyncPolicy policy, const char* name, std::size_t size) {
  const int n = policy == SyncPolicy::always ? 2'000 : 200'000;
  std::vector<double> rates;
  double amplification = 0;
  for (int run = 0; run < o.runs; ++run) {
    const std::string path = o.dir + "/append";
    fs::remove_all(path);
    Harness h;
    auto b = h.open(path, policy, 4ULL << 30);
    const auto start = SteadyClock::now();
    h.fill(*b, n, size);
    b->flush();
    rates.push_back(n / seconds_since(start));
    amplification = static_cast<double>(b->bytes_written()) / (static_cast<double>(n) * static_cast<double>(size));
  }
  const double rate = median(rates);
  return {name, size, n, rate, rate * static_cast<double>(size) / 1e6, amplification};
}

struct RecoveryResult {
  int events;
  double fill_s;
  double open_s;
  std::uint64_t rss_kib_after_open;
};

RecoveryResult bench_recovery(const Options& o) {
  const std::string path = o.dir + "/recovery";
  fs::remove_all(path);
  RecoveryResult r{o.recovery_events, 0, 0, 0};
  {
    Harness h;
    auto b = h.open(path, SyncPolicy::none, 4ULL << 30);
    const auto start = SteadyClock::now();
    h.fill(*b, o.recovery_events, 100);
    r.fill_s = seconds_since(start);
  }
  std::vector<double> times;
  for (int run = 0; run < o.runs; ++run) {
    Harness h;
    const auto start = SteadyClock::now();
    auto b = h.open(path, SyncPolicy::none, 4ULL << 30);
    times.push_back(seconds_since(start));
    if (b->stats().events != static_cast<std::uint64_t>(o.recovery_events)) {
      std::fprintf(stderr, "disk-buffer-bench: recovered %llu events, expected %d\n",
                   static_cast<unsigned long long>(b->stats().events), o.recovery_events);
      std::exit(1);
    }
  }
  r.open_s = median(times);
  fs::remove_all(path);
  return r;
}

struct BacklogResult {
  std::uint64_t bytes_on_disk;
  std::uint64_t events;
  std::uint64_t rss_before_kib;
  std::uint64_t rss_after_open_kib;
  std::uint64_t peak_rss_draining_kib;
  double drain_events_per_s;
};

BacklogResult bench_backlog(const Options& o) {
  const std::string path = o.dir + "/backlog";
  fs::remove_all(path);
  const std::size_t size = 1024;
  const int n = static_cast<int>((static_cast<std::uint64_t>(o.backlog_mib) << 20) / (size + 24));
  {
    Harness h;
    auto b = h.open(path, SyncPolicy::none, 4ULL << 30);
    h.fill(*b, n, size);
  }
  BacklogResult r{};
  Harness h;
  reset_hwm();
  r.rss_before_kib = status_kib("VmRSS:");
  auto b = h.open(path, SyncPolicy::none, 4ULL << 30);
  r.rss_after_open_kib = status_kib("VmRSS:");
  r.bytes_on_disk = b->stats().bytes;
  r.events = b->stats().events;
  reset_hwm();
  const auto start = SteadyClock::now();
  std::uint64_t drained = 0;
  while (b->lease_next(1) != nullptr) {
    b->ack_oldest(1);
    if ((++drained & 1023) == 0) h.io.poll();
  }
  r.drain_events_per_s = static_cast<double>(drained) / seconds_since(start);
  r.peak_rss_draining_kib = status_kib("VmHWM:");
  b.reset();
  fs::remove_all(path);
  return r;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "disk-buffer-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (a == "--dir") o.dir = value();
    else if (a == "--runs") o.runs = std::stoi(value());
    else if (a == "--recovery-events") o.recovery_events = std::stoi(value());
    else if (a == "--backlog-mib") o.backlog_mib = std::stoi(value());
    else if (a == "--json") o.json = true;
    else {
      std::fprintf(stderr, "usage: disk-buffer-bench [--dir DIR] [--runs N] [--recovery-events N] [--backlog-mib N] [--json]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  mf::log::set_level(mf::log::Level::warn);
  fs::create_directories(o.dir);
  std::vector<AppendResult> appends;
  for (std::size_t size : {100u, 1024u}) {
    appends.push_back(bench_append(o, SyncPolicy::none, "none", size));
    appends.push_back(bench_append(o, SyncPolicy::batch, "batch", size));
    appends.push_back(bench_append(o, SyncPolicy::always, "always", size));
  }
  const RecoveryResult recovery = bench_recovery(o);
  const BacklogResult backlog = bench_backlog(o);
  fs::remove_all(o.dir);

  if (o.json) {
    std::printf("{\"append\":[");
    for (std::size_t i = 0; i < appends.size(); ++i) {
      const auto& a = appends[i];
      std::printf("%s{\"sync\":\"%s\",\"event_bytes\":%zu,\"events_per_s\":%.0f,\"mb_per_s\":%.2f,\"bytes_written_per_payload_byte\":%.3f}",
                  i > 0 ? "," : "", a.policy, a.size, a.events_per_s, a.mb_per_s, a.amplification);
    }
    std::printf("],\"recovery\":{\"events\":%d,\"seconds\":%.3f},", recovery.events, recovery.open_s);
    std::printf("\"backlog\":{\"bytes_on_disk\":%llu,\"events\":%llu,\"rss_kib_after_open\":%llu,\"rss_kib_before_open\":%llu,"
                "\"peak_rss_kib_draining\":%llu,\"drain_events_per_s\":%.0f}}\n",
                static_cast<unsigned long long>(backlog.bytes_on_disk), static_cast<unsigned long long>(backlog.events),
                static_cast<unsigned long long>(backlog.rss_after_open_kib),
                static_cast<unsigned long long>(backlog.rss_before_kib),
                static_cast<unsigned long long>(backlog.peak_rss_draining_kib), backlog.drain_events_per_s);
    return 0;
  }
  std::printf("disk buffer, median of %d runs, directory %s\n\n", o.runs, o.dir.c_str());
  std::printf("%-7s %6s %9s %12s %9s %22s\n", "sync", "event", "events", "events/s", "MB/s", "written/payload bytes");
  for (const auto& a : appends) {
    std::printf("%-7s %5zuB %9d %12.0f %9.2f %22.3f\n", a.policy, a.size, a.events, a.events_per_s, a.mb_per_s, a.amplification);
  }
  std::printf("\nrecovery of %d buffered 100 B events: %.3f s (written in %.2f s)\n", recovery.events, recovery.open_s, recovery.fill_s);
  std::printf("backlog of %.1f MiB (%llu events of 1 KiB): RSS %llu KiB before open, %llu KiB after, peak %llu KiB while "
              "draining at %.0f events/s\n",
              static_cast<double>(backlog.bytes_on_disk) / (1 << 20), static_cast<unsigned long long>(backlog.events),
              static_cast<unsigned long long>(backlog.rss_before_kib), static_cast<unsigned long long>(backlog.rss_after_open_kib),
              static_cast<unsigned long long>(backlog.peak_rss_draining_kib), backlog.drain_events_per_s);
  return 0;
}
