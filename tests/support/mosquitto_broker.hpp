#pragma once
// Debian's mosquitto broker, started for one test on a free loopback port,
// with persistence (a restart keeps the sessions and their queued messages),
// and mosquitto_pub as the producer.
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::test {

struct BrokerOptions {
  std::string username;  // set: anonymous clients are refused, this user (with password) is let in
  std::string password;
  int max_queued_messages = 100'000;  // per offline session
  std::string tls_cert;  // set (with its key): the listener speaks TLS (mqtts)
  std::string tls_key;
  std::string tls_ca;  // what mosquitto_pub verifies the broker with
};

class MosquittoBroker {
 public:
  explicit MosquittoBroker(BrokerOptions options = {});
  ~MosquittoBroker();

  int port() const { return port_; }
  // mqtts:// names localhost, the name in the test certificate.
  std::string url() const {
    return options_.tls_cert.empty() ? "mqtt://127.0.0.1:" + std::to_string(port_) : "mqtts://localhost:" + std::to_string(port_);
  }
  void stop();   // SIGTERM: the broker saves its sessions
  void start();
  void restart() {
    stop();
    start();
  }
  std::string log() const;

  // mosquitto_pub -l: one QoS 1 message per line, in order. False when it failed.
  bool publish_lines(const std::string& topic, const std::vector<std::string>& lines) const;
  // mosquitto_pub -m: one QoS 1 message, any bytes but NUL.
  bool publish(const std::string& topic, const std::string& payload) const;

 private:
  std::vector<std::string> pub_command(const std::string& topic) const;
  TempDir dir_;
  BrokerOptions options_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

// Whether the broker and its clients are installed (tools/install-deps.sh installs them).
bool have_mosquitto();

}  // namespace mf::test
