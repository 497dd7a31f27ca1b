// The daemon, for real: `manufactory-agent run` against the mock collector over
// TLS on loopback, with the collector killing connections, expiring sessions,
// refusing and going silent, and producers sending garbage.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "agent/cli/unix_client.hpp"
#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;


// Lines straight onto the ingest socket; the replies, in order.
std::vector<std::string> exchange_raw(const std::string& socket, const std::vector<std::string>& lines) {
  auto client = cli::UnixLineClient::connect(socket, "ingest");
  EXPECT_TRUE(client) << client.error().message;
  std::vector<std::string> replies;
  cli::ArgumentLines source(lines);
  auto done = client->exchange(source, [&](std::string_view reply) { replies.emplace_back(reply); });
  EXPECT_TRUE(done) << done.error().message;
  return replies;
}

TEST(Daemon, EveryEventArrivesInOrderDespiteKillsAndShortSessions) {
  MockCollector collector({"--kill-every", "300", "--session-ttl", "2s", "--quiet"});
  DaemonProcess daemon(collector,
                       "session:\n  ttl: 2s\n  reauth_before: 800ms\n"
                       "uplink:\n  backoff_base: 50ms\n  backoff_cap: 1s\n  backoff_reset: 1s\n");
  const int per_actor = 3000;
  const std::vector<std::string> actors = {R"({"username":"a"})", R"({"username":"b"})", R"({"username":"c"})",
                                           R"({"username":"d"})"};
  const auto lines = [&](int from, int to) {
    std::string out;
    for (int chunk = from; chunk < to; chunk += 100) {  // interleaved, as several producers would
      for (const auto& actor : actors) out += numbered_events(chunk, 100, actor);
    }
    return out;
  };
  const auto start = std::chrono::steady_clock::now();
  auto sent = daemon.send(lines(0, per_actor / 2));
  ASSERT_EQ(sent.exit_code, 0) << sent.all();
  // The rest once every session was renewed (the first half may be through long before).
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "reauths") >= actors.size(); }, 20s)) << daemon.log();
  sent = daemon.send(lines(per_actor / 2, per_actor));
  ASSERT_EQ(sent.exit_code, 0) << sent.all();

  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == actors.size() * per_actor; }, 50s))
      << daemon.log();
  const auto took = std::chrono::steady_clock::now() - start;
  std::uint64_t duplicates = 0;
  for (const auto& actor : actors) {
    auto s = collector.actor_stats(actor);
    EXPECT_EQ(u64(s, "unique"), static_cast<std::uint64_t>(per_actor)) << actor;
    EXPECT_EQ(i64(s, "max_seq"), per_actor - 1) << actor;
    EXPECT_EQ(u64(s, "out_of_order"), 0u) << actor;
    duplicates += u64(s, "duplicates");
  }
  EXPECT_EQ(collector.counter("events_after_expiry"), 0u);
  EXPECT_GT(collector.counter("kills"), 10u);
  auto status = daemon.status();
  EXPECT_EQ(u64(status, "buffer_events"), 0u);
  EXPECT_GT(u64(status, "reconnects"), 5u) << "kills of a retiring connection need no reconnect";
  EXPECT_GE(u64(status, "reauths"), actors.size()) << "every actor renewed its session at least once";
  std::printf("[ numbers  ] %zu events, %llu duplicates, %llu kills, %llu reconnects, %llu re-auths, %lld ms\n",
              actors.size() * per_actor, static_cast<unsigned long long>(duplicates),
              static_cast<unsigned long long>(collector.counter("kills")),
              static_cast<unsigned long long>(u64(status, "reconnects")),
              static_cast<unsigned long long>(u64(status, "reauths")),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(Daemon, HonoursRetryAfterFromAnUnavailableCollector) {
  MockCollector collector({"--fail-auth", "2", "--retry-after", "1", "--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  backoff_base: 10ms\n");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(daemon.send(numbered_events(0, 10)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 10; }, 20s)) << daemon.log();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s) << "two Retry-After: 1 waits";
  EXPECT_EQ(collector.counter("auth_unavailable"), 2u);
  EXPECT_EQ(u64(daemon.status(), "auth_failures"), 2u);
}

TEST(Daemon, ACollectorThatStopsAnsweringIsDetectedAndNothingIsLost) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  ping_interval: 300ms\n  backoff_base: 100ms\n  backoff_cap: 500ms\n",
                       "  request_timeout: 1s\n  connect_timeout: 1s\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 100)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 100; }));
  collector.signal(SIGSTOP);  // TCP stays open, nobody answers: a half-open collector
  ASSERT_EQ(daemon.send(numbered_events(100, 100)).exit_code, 0);
  std::this_thread::sleep_for(3s);
  auto during = daemon.status();
  EXPECT_GE(u64(during, "reconnects"), 1u) << daemon.log();
  EXPECT_EQ(u64(during, "events_acked"), 100u);
  collector.signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 200; }, 20s)) << daemon.log();
  auto s = collector.actor_stats(R"({"username":"default_actor"})");
  EXPECT_EQ(u64(s, "unique"), 200u);
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
}

TEST(Daemon, GarbageOnTheIngestSocketIsRefusedAndTheNextEventServed) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector);
  std::mt19937 rng(7);
  std::string random_bytes;
  for (int i = 0; i < 4096; ++i) {
    char c = static_cast<char>(rng());
    random_bytes.push_back(c == '\n' ? 'x' : c);
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {random_bytes, "not valid JSON"},
      {"{\"a\":\"\xff\xfe\"}", "not valid JSON"},
      {std::string(200'000, '['), "longer than ingest.max_event_bytes"},  // over the line limit before any parsing
      {std::string(50'000, '['), "nested too deeply"},
      {std::string(70'000, ' ') + "{}", "longer than ingest.max_event_bytes"},
      {"[1,2,3]", "must be a JSON object"},
      {"42", "must be a JSON object"},
      {"{}", "has no attributes"},
      {R"({"Temperature":1})", "attribute name 'Temperature' is not valid"},
      {R"({"actor":{"User":1},"attributes":{"a":1}})", "actor attribute name 'User' is not valid"},
      {R"({"a":1e-2147483649})", "too long to be a sane value"},
      // A mistyped envelope is refused, not filed under the default actor.
      {R"({"actor":{"username":"press_9"},"attribute":{"a":1}})", "this line has no 'attributes' and other keys ('attribute')"},
      {R"({"actor":{"username":"press_9"},"attributes":{"a":1},"ts":5})", "other keys ('ts')"},
      {R"({"actor":"press_9","attributes":{"a":1}})", "an 'actor' that is not an object"},
      {R"({"ok_after_garbage":1})", ""},
  };
  std::vector<std::string> lines;
  for (const auto& c : cases) lines.push_back(c.first);
  auto replies = exchange_raw(daemon.ingest_socket(), lines);
  ASSERT_EQ(replies.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].second.empty()) {
      EXPECT_EQ(replies[i], R"({"ok":true})") << i;
    } else {
      EXPECT_NE(replies[i].find(cases[i].second), std::string::npos) << i << ": " << replies[i].substr(0, 300);
      EXPECT_EQ(replies[i].rfind(R"({"ok":false,"error":")", 0), 0u) << replies[i];
    }
  }
  // A 64 MiB line, discarded up to its newline, and the connection still serves.
  auto big = exchange_raw(daemon.ingest_socket(), {std::string(64 << 20, 'x'), R"({"after_big":1})"});
  ASSERT_EQ(big.size(), 2u);
  EXPECT_NE(big[0].find("longer than"), std::string::npos);
  EXPECT_EQ(big[1], R"({"ok":true})");
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 2; }));
  EXPECT_EQ(collector.counter("events_rejected"), 0u) << "nothing invalid reached the collector";
  EXPECT_EQ(u64(daemon.status(), "events_refused"), cases.size() - 1 + 1);
  EXPECT_TRUE(daemon.process().running());
}

TEST(Daemon, SigtermDeliversWhatIsBufferedWithinTheGrace) {
  MockCollector collector({"--reply-delay", "20ms", "--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  window: 4\nshutdown_grace: 5s\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 200)).exit_code, 0);
  const auto start = std::chrono::steady_clock::now();
  daemon.process().signal(SIGTERM);
  auto code = daemon.process().wait(10s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(collector.counter("events_ok"), 200u);
  EXPECT_NE(daemon.log().find("every accepted event was delivered"), std::string::npos) << daemon.log();
  std::printf("[ numbers  ] SIGTERM to exit with 200 events to deliver (window 4, 20 ms replies): %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(Daemon, SigtermWithAnUnreachableCollectorStopsAfterTheGraceAndSaysWhatWasLost) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "shutdown_grace: 1s\n", "  request_timeout: 1s\n  connect_timeout: 1s\n");
  collector.signal(SIGSTOP);
  ASSERT_EQ(daemon.send(numbered_events(0, 20)).exit_code, 0);
  const auto start = std::chrono::steady_clock::now();
  daemon.process().signal(SIGTERM);
  auto code = daemon.process().wait(10s);
  const auto took = std::chrono::steady_clock::now() - start;
  collector.signal(SIGCONT);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 4s);
  EXPECT_NE(daemon.log().find("20 buffered events were not delivered"), std::string::npos) << daemon.log();
}

// An outage with a short back-off: dozens of failed attempts, a few lines.
TEST(Daemon, AnOutageDoesNotFloodTheLog) {
  MockCollector collector({"--quiet"});
  DaemonOptions options;
  const std::string port = ":" + std::to_string(collector.port());
  options.edit_config = [&port](std::string yaml) {
    for (auto at = yaml.find(port); at != std::string::npos; at = yaml.find(port)) yaml.replace(at, port.size(), ":1");
    return yaml;
  };
  DaemonProcess daemon(collector, "uplink:\n  backoff_base: 20ms\n  backoff_cap: 100ms\n", "", options);
  ASSERT_EQ(daemon.send(numbered_events(0, 3)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "auth_failures") >= 40; }, 20s)) << daemon.log();
  const std::string log = daemon.log();
  std::size_t lines = 0;
  for (auto at = log.find("could not be obtained"); at != std::string::npos; at = log.find("could not be obtained", at + 1)) ++lines;
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LE(lines, 3u) << "once, then once per growing interval, with a count\n" << log;
}

TEST(Daemon, StatusReportsEveryCounterAndNoSecret) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector);
  ASSERT_EQ(daemon.send(numbered_events(0, 5)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 5; }));
  auto s = daemon.status();
  for (const char* field : {"events_accepted", "events_acked", "events_dropped", "events_rejected", "events_in_flight",
                            "buffer_events", "buffer_bytes", "reconnects", "reauths", "auth_failures", "uptime_s"}) {
    EXPECT_NE(json::find(s, field), nullptr) << field;
  }
  const auto& actor = s["actors"][0];
  EXPECT_STREQ(actor["state"].GetString(), "streaming");
  EXPECT_EQ(actor["acked"].GetUint64(), 5u);
  EXPECT_GT(actor["session_expires_in_s"].GetUint64(), 11u * 3600);
  auto text = run_process({MF_AGENT_BIN, "status", "--config", daemon.config()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("5 delivered"), std::string::npos) << text.out;
  const std::string everything = text.all() + json::to_string(s) + daemon.log();
  EXPECT_EQ(everything.find("test-project-key"), std::string::npos);
  EXPECT_FALSE(std::regex_search(everything, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")));
}

TEST(Daemon, AStaleSocketIsReplacedAndASecondInstanceRefused) {
  MockCollector collector({"--quiet"});
  auto first = std::make_unique<DaemonProcess>(collector);
  struct stat st {};
  ASSERT_EQ(::stat(first->ingest_socket().c_str(), &st), 0) << "the parent directory run/ was created";
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  // A second daemon on the same sockets must not steal them.
  auto second = run_process({MF_AGENT_BIN, "run", "--config", first->config()}, {{}, {}, "", "", 10s});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("is served by another process"), std::string::npos) << second.all();
  // kill -9 leaves the socket file behind; the next start replaces it.
  const std::string config = first->config();
  first->process().signal(SIGKILL);
  first->process().wait(5s);
  BackgroundProcess again({MF_AGENT_BIN, "run", "--config", config}, "/dev/null");
  ASSERT_TRUE(eventually([&] {
    return run_process({MF_AGENT_BIN, "status", "--config", config}).exit_code == 0;
  }));
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(10s), 0);
}

// An argument is one event, however it is laid out: a retry of a half-accepted
// two-line "event" would duplicate its first half.
TEST(Daemon, AnEventArgumentSpanningLinesIsOneEvent) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector);
  auto r = daemon.send("", {"--socket", daemon.ingest_socket(), "{\n  \"seq\": 1,\r\n  \"note\": \"two lines\"\n}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 1; }));
  EXPECT_EQ(u64(daemon.status(), "events_accepted"), 1u);
}

// `producer | send` streams: each line goes as soon as it is written, not
// when the producer exits.
TEST(Daemon, SendHandsOverEachLineOfAProducerAsItComes) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector);
  TempDir dir;
  const std::string script = "(echo '{\"seq\":0}'; sleep 4; echo '{\"seq\":1}') | " + std::string(MF_AGENT_BIN) +
                             " send --socket " + daemon.ingest_socket();
  BackgroundProcess producer({"/bin/sh", "-c", script}, dir.file("send.log"));
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 1; }, 3s)) << "the first line waited for the producer";
  EXPECT_TRUE(producer.running());
  EXPECT_EQ(producer.wait(10s), 0) << read_file(dir.file("send.log"));
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 2; }));
}

// A socket that takes lines and never answers (a stopped daemon): send gives
// up after --timeout with exit 1, instead of hanging.
TEST(Daemon, SendGivesUpOnADaemonThatNeverAnswers) {
  TempDir dir;
  const std::string path = dir.file("deaf.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  auto r = run_process({MF_AGENT_BIN, "send", "--socket", path, "--timeout", "1s", R"({"seq":1})"});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("answered none of the last 1 lines within 1s"), std::string::npos) << r.err;
  EXPECT_LT(r.elapsed, 5s);
}

TEST(Daemon, SighupReloadsLimitsAndKeepsRunningOnABadConfig) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "log:\n  level: info\n");
  std::string yaml = read_file(daemon.config());
  std::ofstream(daemon.config()) << yaml.replace(yaml.find("level: info"), 11, "level: debug");
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return daemon.log().find("SIGHUP: reloaded") != std::string::npos; })) << daemon.log();
  std::ofstream(daemon.config()) << "org_id: [broken\n";
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return daemon.log().find("keeping the running one") != std::string::npos; })) << daemon.log();
  EXPECT_EQ(daemon.send(numbered_events(0, 3), {"--socket", daemon.ingest_socket()}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 3; }));
}

TEST(Daemon, RejectNewTellsTheProducerWhenTheBufferIsFull) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "buffer:\n  max_events: 10\n  overflow: reject_new\n",
                       "  request_timeout: 30s\n");
  collector.signal(SIGSTOP);
  auto r = daemon.send(numbered_events(0, 15));
  collector.signal(SIGCONT);
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("line 11 not accepted: buffer full"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("5 of 15 lines were not accepted"), std::string::npos) << r.all();
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 10; }, 20s));
}

TEST(Daemon, DropOldestKeepsTheNewestAndCountsTheRest) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "buffer:\n  max_events: 10\n", "  request_timeout: 30s\n");
  collector.signal(SIGSTOP);
  auto r = daemon.send(numbered_events(0, 25));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_GE(u64(daemon.status(), "events_dropped"), 10u);
  collector.signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "buffer_events") == 0; }, 20s));
  auto s = collector.actor_stats(R"({"username":"default_actor"})");
  EXPECT_EQ(i64(s, "max_seq"), 24) << "the newest survive";
  EXPECT_NE(daemon.log().find("buffer full: dropped the oldest events"), std::string::npos);
}

TEST(Daemon, RejectedEventsGoToTheDeadLetterFile) {
  TempDir schemas;
  const auto schema_file = schemas.write("s.json", R"({"events":{"seq":"INTEGER","temp":"INTEGER"}})");
  MockCollector collector({"--schemas", schema_file, "--quiet"});
  TempDir out;
  DaemonProcess daemon(collector, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n");
  ASSERT_EQ(daemon.send("{\"seq\":1,\"temp\":20}\n{\"seq\":2,\"temp\":\"hot\"}\n{\"seq\":3,\"temp\":22}\n").exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_rejected") == 1 && collector.counter("events_ok") == 2; }));
  const std::string dead = read_file(out.file("dead.ndjson"));
  EXPECT_EQ(dead.rfind(R"({"actor":{"username":"default_actor"},"attributes":{"seq":2,"temp":"hot"},"reason":"attribute 'temp' must be INTEGER","at":"20)",
                       0),
            0u)
      << dead;
  EXPECT_TRUE(std::regex_search(dead, std::regex(R"("at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}\n$)"))) << dead;
  EXPECT_NE(daemon.log().find("rejected an event: attribute 'temp' must be INTEGER"), std::string::npos);
  EXPECT_EQ(u64(daemon.status(), "dead_letters"), 1u);
}

// The dead-letter file is bounded: past buffer.dead_letter_max_bytes it moves
// to <file>.1 once, and the newest records are in the file.
TEST(Daemon, TheDeadLetterFileIsRotatedOnceAtItsBound) {
  TempDir schemas;
  const auto schema_file = schemas.write("s.json", R"({"events":{"seq":"INTEGER","temp":"INTEGER"}})");
  MockCollector collector({"--schemas", schema_file, "--quiet"});
  TempDir out;
  DaemonProcess daemon(collector, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n  dead_letter_max_bytes: 1KiB\n");
  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "{\"seq\":" + std::to_string(i) + ",\"temp\":\"hot\"}\n";
  ASSERT_EQ(daemon.send(lines).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_rejected") == 40; })) << daemon.log();
  const std::string now = read_file(out.file("dead.ndjson"));
  const std::string older = read_file(out.file("dead.ndjson.1"));
  EXPECT_LE(now.size(), 1024u);
  EXPECT_LE(older.size(), 1024u);
  EXPECT_GT(older.size(), 0u) << "rotated once";
  EXPECT_NE(now.find(R"("seq":39)"), std::string::npos) << "the newest are kept";
  EXPECT_EQ(u64(daemon.status(), "dead_letters"), 40u);
}

TEST(Daemon, SendWithoutADaemonExitsOne) {
  TempDir dir;
  auto r = run_process({MF_AGENT_BIN, "send", "--socket", dir.file("nobody.sock"), R"({"a":1})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot reach the daemon's ingest socket"), std::string::npos) << r.all();
}

}  // namespace
}  // namespace mf::test
