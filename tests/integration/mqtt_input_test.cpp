// The MQTT input against Debian's mosquitto broker and mosquitto_pub: QoS 1
// messages become events of the topic's actor, in order, and none is lost
// when the agent is killed -9, the broker restarts, or the buffer is full.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "tests/support/daemon_process.hpp"
#include "tests/support/mock_collector.hpp"
#include "tests/support/mosquitto_broker.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

#define SKIP_WITHOUT_MOSQUITTO() \
  if (!have_mosquitto()) GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed (tools/install-deps.sh)"

std::string mqtt_yaml(const MosquittoBroker& broker, const std::string& more = "") {
  return "inputs:\n"
         "  mqtt:\n"
         "    url: " + broker.url() + "\n"
         "    client_id: agent-under-test\n"
         "    topics:\n"
         "      \"devices/+/telemetry\": {username: \"{1}\"}\n" + more;
}

std::string device(const std::string& name) { return R"({"username":")" + name + R"("})"; }

std::vector<std::string> seq_lines(int from, int n) {
  std::vector<std::string> lines;
  for (int i = from; i < from + n; ++i) lines.push_back("{\"seq\":" + std::to_string(i) + "}");
  return lines;
}

// Publishes n messages in chunks; a chunk cut short (the broker restarting)
// is published again: the producer's at-least-once, as a real one would.
void publish_with_retries(const MosquittoBroker& broker, const std::string& topic, int n, int chunk) {
  for (int from = 0; from < n; from += chunk) {
    const auto lines = seq_lines(from, std::min(chunk, n - from));
    while (!broker.publish_lines(topic, lines)) std::this_thread::sleep_for(100ms);
  }
}

const rapidjson::Value& inputs_of(const rapidjson::Document& status, const char* input) {
  static const rapidjson::Value none(rapidjson::kObjectType);
  const auto* inputs = json::find(status, "inputs");
  const auto* one = inputs == nullptr ? nullptr : json::find(*inputs, input);
  return one == nullptr ? none : *one;
}

std::string mqtt_state(const DaemonProcess& daemon) {
  const auto status = daemon.status();
  const char* state = json::find_string(inputs_of(status, "mqtt"), "state");
  return state == nullptr ? "" : state;
}

TEST(MqttInput, TenThousandMessagesOnFourTopicsSurviveAKillNineAndABrokerRestartInOrder) {
  SKIP_WITHOUT_MOSQUITTO();
  MosquittoBroker broker;
  MockCollector collector({"--reply-delay", "1ms", "--quiet"});
  TempDir kept;
  DaemonOptions options;
  options.state_directory = kept.file("state");
  const std::string yaml = mqtt_yaml(broker) + "buffer:\n  path: " + kept.file("buffer") + "\n";
  constexpr int kPerTopic = 2500;
  const std::vector<std::string> devices = {"d1", "d2", "d3", "d4"};

  auto first = std::make_unique<DaemonProcess>(collector, yaml, "", options);
  ASSERT_TRUE(eventually([&] { return mqtt_state(*first) == "subscribed"; })) << first->log();
  std::vector<std::thread> producers;
  for (const auto& d : devices) {
    producers.emplace_back([&broker, d] { publish_with_retries(broker, "devices/" + d + "/telemetry", kPerTopic, 250); });
  }
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") > 500; }, 30s));
  first->process().signal(SIGKILL);
  first->process().wait(5s);
  const auto delivered_at_kill = collector.counter("events_ok");
  std::this_thread::sleep_for(300ms);  // the broker queues for the absent session meanwhile
  DaemonProcess second(collector, yaml, "", options);
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") > delivered_at_kill + 500; }, 30s)) << second.log();
  broker.restart();
  for (auto& p : producers) p.join();

  const bool all = eventually(
      [&] {
        for (const auto& d : devices) {
          if (u64(collector.actor_stats(device(d)), "unique") < kPerTopic) return false;
        }
        return true;
      },
      90s);
  for (const auto& d : devices) {
    const auto s = collector.actor_stats(device(d));
    EXPECT_EQ(u64(s, "unique"), static_cast<std::uint64_t>(kPerTopic)) << d << " lost messages\n" << second.log();
    EXPECT_EQ(u64(s, "out_of_order"), 0u) << d;
  }
  ASSERT_TRUE(all);
  const auto status = second.status();
  EXPECT_GT(u64(inputs_of(status, "mqtt"), "accepted"), 0u);
  EXPECT_EQ(u64(inputs_of(status, "mqtt"), "refused"), 0u);
  EXPECT_EQ(u64(status, "events_dropped"), 0u);
  EXPECT_NE(second.log().find("mqtt: connected"), second.log().rfind("mqtt: connected")) << "connected again after the broker restart";
}

TEST(MqttInput, AFullBufferLeavesMessagesAtTheBrokerInsteadOfDroppingAny) {
  SKIP_WITHOUT_MOSQUITTO();
  MosquittoBroker broker;
  MockCollector collector({"--quiet"});
  // drop_oldest is the default: the MQTT input must not make it drop anything.
  DaemonProcess daemon(collector, mqtt_yaml(broker) + "buffer:\n  max_events: 64\n", "  request_timeout: 2s\n");
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "subscribed"; })) << daemon.log();
  ASSERT_TRUE(broker.publish("devices/d1/telemetry", "{\"seq\":-1}"));
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(device("d1")), "unique") == 1; })) << daemon.log();
  collector.signal(SIGSTOP);  // the platform stops answering
  ASSERT_TRUE(broker.publish_lines("devices/d1/telemetry", seq_lines(0, 1000)));
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "paused"; })) << daemon.log();
  const auto held = daemon.status();
  EXPECT_LE(u64(held, "buffer_events"), 64u);
  EXPECT_EQ(u64(held, "events_dropped"), 0u);
  collector.signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(device("d1")), "unique") == 1001; }, 60s))
      << u64(collector.actor_stats(device("d1")), "unique") << " of 1001\n" << daemon.log();
  const auto s = collector.actor_stats(device("d1"));
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  const auto status = daemon.status();
  EXPECT_EQ(u64(status, "events_dropped"), 0u);
  EXPECT_EQ(u64(inputs_of(status, "mqtt"), "accepted"), 1001u);
}

TEST(MqttInput, BadPayloadsAreCountedDeadLetteredAndNeverBlockTheTopic) {
  SKIP_WITHOUT_MOSQUITTO();
  MosquittoBroker broker;
  MockCollector collector({"--quiet"});
  TempDir out;
  DaemonProcess daemon(collector, mqtt_yaml(broker) + "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n");
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "subscribed"; })) << daemon.log();
  // Over ingest.max_event_bytes (64 KiB), not JSON, not an object, a name the collector refuses; between good ones.
  const std::vector<std::string> payloads = {"{\"seq\":0}", "not json", "[1,2,3]",
                                             "{\"seq\":1,\"big\":\"" + std::string(70'000, 'x') + "\"}",
                                             "{\"Bad Name\":1}", "{\"seq\":2}"};
  for (const auto& p : payloads) ASSERT_TRUE(broker.publish("devices/d1/telemetry", p));
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(device("d1")), "unique") == 2; })) << daemon.log();
  ASSERT_TRUE(eventually([&] { return u64(inputs_of(daemon.status(), "mqtt"), "refused") == 4; })) << daemon.log();
  const std::string dead = read_file(out.file("dead.ndjson"));
  EXPECT_NE(dead.find(R"("payload":"not json")"), std::string::npos) << dead;
  EXPECT_NE(dead.find("\"payload_bytes\":" + std::to_string(payloads[3].size())), std::string::npos) << dead.substr(0, 300);
  EXPECT_NE(dead.find(R"("topic":"devices/d1/telemetry")"), std::string::npos) << dead;
  EXPECT_EQ(u64(daemon.status(), "dead_letters"), 4u);
}

TEST(MqttInput, OverTlsTheBrokerIsVerifiedAgainstTheConfiguredCa) {
  SKIP_WITHOUT_MOSQUITTO();
  BrokerOptions tls;
  tls.tls_cert = cert_path("server.pem");
  tls.tls_key = cert_path("server.key");
  tls.tls_ca = cert_path("ca.pem");
  MosquittoBroker broker(tls);
  MockCollector collector({"--quiet"});
  {  // a CA that did not sign the broker's certificate: no session
    DaemonProcess daemon(collector, mqtt_yaml(broker, "    ca_file: " + cert_path("self-signed.pem") + "\n"));
    ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "backing_off"; })) << daemon.log();
    const auto status = daemon.status();
    const char* why = json::find_string(inputs_of(status, "mqtt"), "last_error");
    ASSERT_NE(why, nullptr);
    EXPECT_NE(std::string(why).find("TLS"), std::string::npos) << why;
  }
  DaemonProcess daemon(collector, mqtt_yaml(broker, "    ca_file: " + cert_path("ca.pem") + "\n"));
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "subscribed"; })) << daemon.log();
  std::this_thread::sleep_for(200ms);  // the SUBACK
  ASSERT_TRUE(broker.publish("devices/d1/telemetry", "{\"seq\":1}"));
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(device("d1")), "unique") == 1; })) << daemon.log();
}

TEST(MqttInput, AReloadChangesTheTopicsAndARotatedPasswordLetsTheAgentIn) {
  SKIP_WITHOUT_MOSQUITTO();
  BrokerOptions users;
  users.username = "agent";
  users.password = "right-password";
  MosquittoBroker broker(users);
  MockCollector collector({"--quiet"});
  TempDir secrets;
  const std::string password_file = secrets.write("mqtt-password", "wrong-password\n", 0600);
  const std::string auth = "    username: agent\n    password_file: " + password_file + "\n";
  DaemonProcess daemon(collector, mqtt_yaml(broker, auth));
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "backing_off"; })) << daemon.log();
  const auto refused = daemon.status();
  const char* why = json::find_string(inputs_of(refused, "mqtt"), "last_error");
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::string(why).find("refused"), std::string::npos) << why;
  EXPECT_EQ(daemon.log().find("wrong-password"), std::string::npos) << "the password stays out of the log";

  secrets.write("mqtt-password", "right-password\n", 0600);
  std::string next = read_file(daemon.config());
  const std::string old_topic = "      \"devices/+/telemetry\": {username: \"{1}\"}\n";
  next.replace(next.find(old_topic), old_topic.size(), "      \"plant/+/+\": {site: \"{1}\", username: \"{2}\"}\n");
  {
    FILE* f = std::fopen(daemon.config().c_str(), "w");
    std::fputs(next.c_str(), f);
    std::fclose(f);
  }
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return mqtt_state(daemon) == "subscribed"; }, 15s)) << daemon.log();
  std::this_thread::sleep_for(200ms);  // the SUBACK
  ASSERT_TRUE(broker.publish("plant/north/press1", "{\"seq\":7}"));
  ASSERT_TRUE(broker.publish("devices/d1/telemetry", "{\"seq\":8}"));  // no longer subscribed
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(R"({"site":"north","username":"press1"})"), "unique") == 1; }))
      << daemon.log();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(u64(collector.actor_stats(device("d1")), "unique"), 0u);
}

}  // namespace
}  // namespace mf::test
