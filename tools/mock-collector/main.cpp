// mock-collector: the agent's platforms as their servers behave (PROTOCOL.md,
// PLATFORMS.md), for loopback tests, demos and benchmarks. One thread, one
// io_context; --platform picks the server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <fstream>
#include <functional>

#include "tools/mock-collector/manufactory/collector.hpp"
#include "tools/mock-collector/mobiusflow/mobius_service.hpp"
#include "tools/mock-collector/oisp/oisp_service.hpp"
#include "tools/mock-collector/sama/sama_service.hpp"
#include "tools/mock-collector/server.hpp"

namespace {

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << '\n';
  }
  std::rename(tmp.c_str(), path.c_str());
}

std::unique_ptr<mock::Service> make_service(const mock::Options& options) {
  switch (options.platform) {
    case mock::Options::Platform::manufactory: return std::make_unique<mock::manufactory::Collector>(options);
    case mock::Options::Platform::sama: return std::make_unique<mock::sama::SamaService>(options);
    case mock::Options::Platform::oisp: return std::make_unique<mock::oisp::OispService>(options);
    case mock::Options::Platform::mobiusflow: return std::make_unique<mock::mobiusflow::MobiusService>(options);
  }
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const mock::Options options = mock::parse_options(std::vector<std::string>(argv, argv + argc));
  boost::asio::io_context io;
  std::unique_ptr<mock::Service> service = make_service(options);
  mock::Service& collector = *service;
  std::unique_ptr<mock::Server> server;
  try {
    server = std::make_unique<mock::Server>(io, options, collector);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mock-collector: cannot start: %s\n", e.what());
    return 1;
  }
  server->start();
  const char* scheme = options.plain ? "http" : "https";
  std::fprintf(stderr, "mock-collector: %s listening on %s://%s:%u\n", mock::to_string(options.platform), scheme,
               options.host.c_str(), server->port());

  auto flush_stats = [&] {
    if (!options.stats_file.empty() && collector.take_dirty()) write_atomically(options.stats_file, collector.stats_json());
  };
  // SIGUSR1: write a snapshot now (tests use it to read numbers that are not 50 ms old).
  boost::asio::signal_set snapshot_signal(io, SIGUSR1);
  std::function<void()> on_snapshot = [&] {
    snapshot_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      collector.count_snapshot();
      flush_stats();
      on_snapshot();
    });
  };
  on_snapshot();
  boost::asio::steady_timer stats_timer(io);
  std::function<void()> tick = [&] {
    flush_stats();
    stats_timer.expires_after(std::chrono::milliseconds(50));
    stats_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };
  tick();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  // Written last: once the port file exists, every signal handler is in place.
  if (!options.port_file.empty()) write_atomically(options.port_file, std::to_string(server->port()));
  io.run();
  collector.take_dirty();
  if (!options.stats_file.empty()) write_atomically(options.stats_file, collector.stats_json());
  return 0;
}
