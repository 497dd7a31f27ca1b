// Micro-benchmarks (Google Benchmark) of the per-event hot paths: an ingest
// line parsed and validated (names only, and against a Manufactory schema),
// a buffer push + lease + ack, the WebSocket event message built and a reply
// parsed.
//
//   build/micro-bench [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/common/asio_scheduler.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/net/tls.hpp"
#include "agent/platforms/manufactory/messages.hpp"
#include "agent/platforms/manufactory/schema/schema_policy.hpp"

namespace {

std::string attributes_of(std::size_t size) {
  std::string a = R"({"seq":12345,"temperature":21.5,"unit":"celsius","p":")";
  a.append(size > a.size() + 2 ? size - a.size() - 2 : 0, 'x');
  return a + "\"}";
}

void IngestParseAttributes(benchmark::State& state) {
  const std::string line = attributes_of(static_cast<std::size_t>(state.range(0)));
  const mf::ingest::Limits limits;
  for (auto _ : state) {
    auto parsed = mf::ingest::parse_line(line, limits);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * line.size()));
}
BENCHMARK(IngestParseAttributes)->Arg(100)->Arg(1024);

void IngestParseEnvelope(benchmark::State& state) {
  const std::string line = R"({"actor":{"username":"sensor_17"},"attributes":)" + attributes_of(static_cast<std::size_t>(state.range(0))) + "}";
  const mf::ingest::Limits limits;
  for (auto _ : state) {
    auto parsed = mf::ingest::parse_line(line, limits);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(IngestParseEnvelope)->Arg(100)->Arg(1024);

// A 100-byte event of four attributes, each of a type with a check of its own.
const std::string kTypedEvent =
    R"({"actor":{"email":"sensor_17@plant.example"},"attributes":{"seq":12345,"temperature":-40,"day":"2024-02-29","note":"ok"}})";

// The schema file the policy reads, written once.
std::string schema_file() {
  static const std::string path = [] {
    char name[] = "/tmp/micro-bench-schema-XXXXXX";
    const int fd = ::mkstemp(name);
    const std::string text = R"({"actors":{"attributes":[{"name":"email","data_type":"TEXT"}],"unique_id":"email"},
      "events":{"attributes":[{"name":"seq","data_type":"INTEGER"},{"name":"temperature","data_type":"INTEGER"},
                              {"name":"day","data_type":"DATE"},{"name":"note","data_type":"TEXT"},
                              {"name":"at","data_type":"TIME"},{"name":"stamp","data_type":"TIMESTAMP"},
                              {"name":"extra","data_type":"JSON"},{"name":"made_purchase","data_type":"BOOLEAN"}]}})";
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::abort();
    ::close(fd);
    return std::string(name);
  }();
  return path;
}

struct NoWallClock final : mf::WallClock {
  std::int64_t now_ms() const override { return 0; }
};

// The same line parsed through Manufactory's policy: with the schema file
// (range: 1), or with none configured (0), the difference being the checks.
void IngestParseSchema(benchmark::State& state) {
  boost::asio::io_context io;
  mf::net::HttpClient http(io, *mf::net::make_client_tls_context({}), {});
  mf::AsioScheduler scheduler(io);
  NoWallClock wall;
  mf::manufactory::SchemaSettings settings;
  if (state.range(0) == 1) settings.file = schema_file();
  mf::manufactory::SchemaSource source(settings, {"o", 1, {}, ""}, http, scheduler, wall);
  if (!source.load()) std::abort();
  const mf::manufactory::SchemaPolicy policy(source);
  const mf::ingest::Limits limits;
  for (auto _ : state) {
    auto parsed = mf::ingest::parse_line(kTypedEvent, limits, &policy);
    if (!parsed) std::abort();
    benchmark::DoNotOptimize(parsed);
  }
  state.SetLabel(std::to_string(kTypedEvent.size()) + " B, " + (state.range(0) == 1 ? "schema" : "no schema"));
}
BENCHMARK(IngestParseSchema)->Arg(0)->Arg(1);

void MemoryBufferPushLeaseAck(benchmark::State& state) {
  mf::buffer::MemoryBuffer buffer({1'000'000, 1ULL << 30, mf::buffer::Overflow::drop_oldest});
  const std::string event = attributes_of(100);
  for (auto _ : state) {
    buffer.push(1, event, 0);
    benchmark::DoNotOptimize(buffer.lease_next(1));
    buffer.ack_oldest(1);
  }
}
BENCHMARK(MemoryBufferPushLeaseAck);

void EventMessage(benchmark::State& state) {
  const std::string event = attributes_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(mf::manufactory::event_message(event));
}
BENCHMARK(EventMessage)->Arg(100)->Arg(1024);

void ReplyParse(benchmark::State& state) {
  const std::string reply = R"({"type":"event","status":"ok"})";
  for (auto _ : state) benchmark::DoNotOptimize(mf::manufactory::parse_reply(reply));
}
BENCHMARK(ReplyParse);

}  // namespace

BENCHMARK_MAIN();
