// Micro-benchmarks (Google Benchmark) of the per-event hot paths: an ingest
// line parsed and validated, a buffer push + lease + ack, the WebSocket event
// message built and a reply parsed.
//
//   build/micro-bench [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <string>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/platforms/manufactory/messages.hpp"

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
