#include "tests/support/mosquitto_broker.hpp"

#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

#include "tests/support/loopback.hpp"

namespace mf::test {
namespace {

constexpr const char* kBroker = "/usr/sbin/mosquitto";

}  // namespace

bool have_mosquitto() { return ::access(kBroker, X_OK) == 0 && ::access("/usr/bin/mosquitto_pub", X_OK) == 0; }

MosquittoBroker::MosquittoBroker(BrokerOptions options) : options_(std::move(options)), port_(free_loopback_port()) {
  std::string conf = "listener " + std::to_string(port_) + " 127.0.0.1\n" +
                     "persistence true\npersistence_location " + dir_.path() + "/\n" +
                     "max_queued_messages " + std::to_string(options_.max_queued_messages) + "\n" +
                     // As root, mosquitto would become the user "mosquitto", who cannot enter the test's directory.
                     "user " + std::string(::getpwuid(::getuid())->pw_name) + "\n" +
                     "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n";
  if (!options_.tls_cert.empty()) conf += "certfile " + options_.tls_cert + "\nkeyfile " + options_.tls_key + "\n";
  if (options_.username.empty()) {
    conf += "allow_anonymous true\n";
  } else {
    const auto made = run_process({"/usr/bin/mosquitto_passwd", "-c", "-b", dir_.file("passwords"), options_.username, options_.password});
    if (made.exit_code != 0) throw std::runtime_error("mosquitto_passwd failed: " + made.all());
    conf += "allow_anonymous false\npassword_file " + dir_.file("passwords") + "\n";
  }
  dir_.write("mosquitto.conf", conf, 0644);
  start();
}

MosquittoBroker::~MosquittoBroker() {
  if (process_) {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::milliseconds(5000));
  }
}

void MosquittoBroker::start() {
  process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{kBroker, "-c", dir_.file("mosquitto.conf")},
                                                 dir_.file("broker.log"));
  const bool up = eventually([&] { return LoopbackSocket(port_).connected() || !process_->running(); });
  if (!up || !process_->running()) throw std::runtime_error("the mosquitto broker did not start: " + log());
}

void MosquittoBroker::stop() {
  process_->signal(SIGTERM);
  process_->wait(std::chrono::milliseconds(10'000));
}

std::string MosquittoBroker::log() const { return read_file(dir_.file("broker.log")); }

std::vector<std::string> MosquittoBroker::pub_command(const std::string& topic) const {
  // -k 5: a publisher whose broker restarted notices within seconds, not after the default minute.
  std::vector<std::string> argv = {"/usr/bin/mosquitto_pub", "-p", std::to_string(port_), "-q", "1", "-k", "5", "-t", topic};
  if (options_.tls_cert.empty()) {
    for (const auto& a : {"-h", "127.0.0.1"}) argv.emplace_back(a);
  } else {
    for (const auto& a : {std::string("-h"), std::string("localhost"), std::string("--cafile"), options_.tls_ca}) argv.push_back(a);
  }
  if (!options_.username.empty()) {
    for (const auto& a : {std::string("-u"), options_.username, std::string("-P"), options_.password}) argv.push_back(a);
  }
  return argv;
}

bool MosquittoBroker::publish_lines(const std::string& topic, const std::vector<std::string>& lines) const {
  auto argv = pub_command(topic);
  argv.emplace_back("-l");
  ProcessOptions o;
  for (const auto& l : lines) o.stdin_text += l + "\n";
  o.timeout = std::chrono::milliseconds(20'000);  // cut short: the caller publishes the lines again
  return run_process(argv, o).exit_code == 0;
}

bool MosquittoBroker::publish(const std::string& topic, const std::string& payload) const {
  auto argv = pub_command(topic);
  argv.emplace_back("-m");
  argv.push_back(payload);
  return run_process(argv).exit_code == 0;
}

}  // namespace mf::test
