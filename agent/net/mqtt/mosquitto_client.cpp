// MqttClient on libmosquitto's external-loop API: our io_context waits on its
// socket, and calls mosquitto_loop_read/_write/_misc when it is ready.
#include <mosquitto.h>
#include <poll.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "agent/common/log.hpp"
#include "agent/net/mqtt/mqtt_client.hpp"

namespace mf::net {
namespace {

constexpr Duration kTick{250};              // keep-alive bookkeeping, and how often a closed gate is asked again
constexpr int kReadsPerTurn = 64;           // messages read before other work on the loop gets its turn
constexpr unsigned char kSubscriptionFailed = 0x80;

struct MosquittoDeleter {
  void operator()(mosquitto* m) const { mosquitto_destroy(m); }
};

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string describe(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  if (rc == MOSQ_ERR_TLS) return "the TLS handshake failed (is the broker's certificate signed by inputs.mqtt.ca_file, for this host name?)";
  return mosquitto_strerror(rc);
}

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace

const char* to_string(MqttState state) {
  switch (state) {
    case MqttState::stopped: return "stopped";
    case MqttState::connecting: return "connecting";
    case MqttState::subscribed: return "subscribed";
    case MqttState::backing_off: return "backing_off";
    case MqttState::paused: return "paused";
  }
  return "?";
}

class MqttClient::Impl : public std::enable_shared_from_this<MqttClient::Impl> {
 public:
  Impl(boost::asio::io_context& io, Scheduler& scheduler, Random& random, MqttOptions options,
       std::vector<std::string> filters, OnMessage on_message, ReadGate may_read)
      : options_(std::move(options)),
        filters_(std::move(filters)),
        on_message_(std::move(on_message)),
        may_read_(std::move(may_read)),
        scheduler_(scheduler),
        socket_(io),
        tick_(scheduler.make_timer()),
        retry_(scheduler.make_timer()),
        backoff_(options_.reconnect, random) {}

  ~Impl() { release_socket(); }

  Status start() {
    init_library_once();
    mosq_.reset(mosquitto_new(options_.client_id.c_str(), /*clean_session=*/false, this));
    if (!mosq_) return fail(ErrorKind::internal, "mqtt: cannot make a client: " + describe(MOSQ_ERR_ERRNO));
    if (auto ok = configure(); !ok) return ok;
    mosquitto_connect_callback_set(mosq_.get(), [](mosquitto*, void* self, int rc) { static_cast<Impl*>(self)->on_connack(rc); });
    mosquitto_message_callback_set(mosq_.get(), [](mosquitto*, void* self, const mosquitto_message* m) {
      static_cast<Impl*>(self)->on_message_({m->topic, {static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)}});
    });
    mosquitto_subscribe_callback_set(mosq_.get(), [](mosquitto*, void* self, int mid, int count, const int* granted) {
      static_cast<Impl*>(self)->on_suback(mid, count, granted);
    });
    mosquitto_log_callback_set(mosq_.get(), [](mosquitto*, void*, int, const char* text) { log::trace("mqtt: {}", text); });
    connect(true);
    tick();
    return {};
  }

  void stop() {
    if (state_ == MqttState::stopped) return;
    state_ = MqttState::stopped;
    tick_->cancel();
    retry_->cancel();
    if (mosq_ && fd_ >= 0) disconnect();
    release_socket();
  }

  void set_filters(std::vector<std::string> filters) {
    const bool connected = state_ == MqttState::subscribed || state_ == MqttState::paused;
    for (const auto& old : filters_) {
      if (connected && std::find(filters.begin(), filters.end(), old) == filters.end()) {
        mosquitto_unsubscribe(mosq_.get(), nullptr, old.c_str());
      }
    }
    std::vector<std::string> added;
    for (const auto& f : filters) {
      if (std::find(filters_.begin(), filters_.end(), f) == filters_.end()) added.push_back(f);
    }
    filters_ = std::move(filters);
    if (connected) subscribe(added);
    watch();
  }

  void set_options(MqttOptions options) {
    options_ = std::move(options);
    if (state_ == MqttState::stopped || !mosq_) return;
    if (auto ok = configure(); !ok) log::error("{}", ok.error().message);
    log::info("mqtt: connecting to {}:{} again with the new settings", options_.host, options_.port);
    disconnect();
    release_socket();
    retry_->cancel();
    backoff_.reset();
    connect(false);
  }

  MqttState state() const { return state_; }
  const std::string& last_error() const { return last_error_; }
  std::uint64_t connects() const { return connects_; }

 private:
  // DISCONNECT, written at once; the session stays at the broker (clean_session is false).
  void disconnect() {
    mosquitto_disconnect(mosq_.get());
    mosquitto_loop_write(mosq_.get(), 1);
  }

  Status configure() {
    mosquitto* m = mosq_.get();
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    const char* password = options_.password.empty() ? nullptr : options_.password.reveal().c_str();
    int rc = mosquitto_username_pw_set(m, options_.username.empty() ? nullptr : options_.username.c_str(), password);
    if (rc == MOSQ_ERR_SUCCESS && options_.tls) {
      rc = options_.ca_file.empty() ? mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
                                    : mosquitto_tls_set(m, options_.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
    }
    if (rc != MOSQ_ERR_SUCCESS) return fail(ErrorKind::config, "mqtt: cannot set up the client: " + describe(rc));
    return {};
  }

  void connect(bool first) {
    state_ = MqttState::connecting;
    const int keepalive = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(options_.keepalive).count());
    const int rc = first ? mosquitto_connect_async(mosq_.get(), options_.host.c_str(), options_.port, keepalive)
                         : mosquitto_reconnect_async(mosq_.get());
    if (rc != MOSQ_ERR_SUCCESS) return lost("cannot connect: " + describe(rc));
    watch();
  }

  void on_connack(int rc) {
    if (rc != 0) {
      last_error_ = std::string("the broker refused the connection: ") + mosquitto_connack_string(rc);
      return;  // libmosquitto ends the connection; lost() follows
    }
    ++connects_;
    connected_at_ = scheduler_.now();
    state_ = MqttState::subscribed;
    log::info("mqtt: connected to {}:{} as {}; subscribing to {} topic filter(s)", options_.host, options_.port,
              options_.client_id, filters_.size());
    subscribe(filters_);
  }

  void subscribe(const std::vector<std::string>& filters) {
    for (const auto& f : filters) {
      int mid = 0;
      const int rc = mosquitto_subscribe(mosq_.get(), &mid, f.c_str(), 1);
      if (rc != MOSQ_ERR_SUCCESS) log::error("mqtt: cannot subscribe to '{}': {}", f, describe(rc));
      else pending_subscriptions_[mid] = f;
    }
  }

  void on_suback(int mid, int count, const int* granted) {
    auto it = pending_subscriptions_.find(mid);
    if (it == pending_subscriptions_.end()) return;
    if (count < 1 || granted[0] == kSubscriptionFailed) {
      log::error("mqtt: the broker refused the subscription to '{}' (its access list?)", it->second);
    } else if (granted[0] == 0) {
      log::warn("mqtt: the broker granted '{}' at QoS 0 only: its messages are not redelivered after a loss", it->second);
    }
    pending_subscriptions_.erase(it);
  }

  // After any call into libmosquitto: follow its socket, or notice it is gone.
  void after_io(int rc) {
    if (state_ == MqttState::stopped) return;
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_.get()) < 0) {
      return lost(last_error_.empty() ? "connection lost: " + describe(rc) : last_error_);
    }
    watch();
  }

  void lost(const std::string& why) {
    release_socket();
    if (state_ == MqttState::stopped) return;
    if (connected_at_ != TimePoint{} && scheduler_.now() - connected_at_ >= options_.reconnect.reset_after) backoff_.reset();
    connected_at_ = {};
    const Duration wait = backoff_.next();
    log::warn("mqtt: {}:{}: {}; connecting again in {} ms", options_.host, options_.port, why, wait.count());
    last_error_ = why;
    state_ = MqttState::backing_off;
    pending_subscriptions_.clear();
    retry_->start(wait, [this] {
      last_error_.clear();
      connect(false);
    });
  }

  void watch() {
    if (state_ == MqttState::stopped || state_ == MqttState::backing_off) return;
    const int fd = mosquitto_socket(mosq_.get());
    if (fd != fd_) {
      release_socket();
      if (fd < 0) return;
      boost::system::error_code ec;
      socket_.assign(fd, ec);
      if (ec) return lost("cannot watch the socket: " + ec.message());
      fd_ = fd;
    }
    if (!read_armed_ && state_ != MqttState::paused) arm(boost::asio::posix::descriptor_base::wait_read, read_armed_);
    if (!write_armed_ && mosquitto_want_write(mosq_.get())) arm(boost::asio::posix::descriptor_base::wait_write, write_armed_);
  }

  void arm(boost::asio::posix::descriptor_base::wait_type what, bool& armed) {
    armed = true;
    const bool reading = what == boost::asio::posix::descriptor_base::wait_read;
    socket_.async_wait(what, [self = shared_from_this(), generation = generation_, reading](boost::system::error_code ec) {
      if (generation != self->generation_) return;  // a socket since released
      (reading ? self->read_armed_ : self->write_armed_) = false;
      if (ec || self->state_ == MqttState::stopped) return;
      if (reading) self->on_readable();
      else self->after_io(mosquitto_loop_write(self->mosq_.get(), 1));
    });
  }

  void on_readable() {
    for (int i = 0; i < kReadsPerTurn; ++i) {
      if (!may_read_()) {
        state_ = MqttState::paused;
        return watch();  // an acknowledgement may still wait to be written
      }
      const int rc = mosquitto_loop_read(mosq_.get(), 1);
      if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_.get()) != fd_) return after_io(rc);
      if (!readable_now(fd_)) break;
    }
    after_io(MOSQ_ERR_SUCCESS);
  }

  void tick() {
    tick_->start(kTick, [this] {
      if (state_ == MqttState::paused && may_read_()) state_ = MqttState::subscribed;
      // Paused, nothing is read: no pings either, or the unanswered ones would end the session on our side.
      if ((state_ == MqttState::subscribed || state_ == MqttState::connecting) && fd_ >= 0) {
        after_io(mosquitto_loop_misc(mosq_.get()));
      } else {
        watch();
      }
      tick();
    });
  }

  // Asio lets go of the descriptor (libmosquitto owns and closes it); pending waits end.
  void release_socket() {
    if (fd_ < 0) return;
    ++generation_;
    read_armed_ = write_armed_ = false;
    socket_.release();
    fd_ = -1;
  }

  MqttOptions options_;
  std::vector<std::string> filters_;
  OnMessage on_message_;
  ReadGate may_read_;
  Scheduler& scheduler_;
  std::unique_ptr<mosquitto, MosquittoDeleter> mosq_;
  boost::asio::posix::stream_descriptor socket_;
  int fd_ = -1;
  unsigned generation_ = 0;
  bool read_armed_ = false;
  bool write_armed_ = false;
  MqttState state_ = MqttState::stopped;
  std::unique_ptr<Timer> tick_;
  std::unique_ptr<Timer> retry_;
  Backoff backoff_;
  TimePoint connected_at_{};
  std::map<int, std::string> pending_subscriptions_;
  std::string last_error_;
  std::uint64_t connects_ = 0;
};

MqttClient::MqttClient(boost::asio::io_context& io, Scheduler& scheduler, Random& random, MqttOptions options,
                       std::vector<std::string> filters, OnMessage on_message, ReadGate may_read)
    : impl_(std::make_shared<Impl>(io, scheduler, random, std::move(options), std::move(filters), std::move(on_message),
                                   std::move(may_read))) {}

MqttClient::~MqttClient() { impl_->stop(); }

Status MqttClient::start() { return impl_->start(); }
void MqttClient::stop() { impl_->stop(); }
void MqttClient::set_filters(std::vector<std::string> filters) { impl_->set_filters(std::move(filters)); }
void MqttClient::set_options(MqttOptions options) { impl_->set_options(std::move(options)); }
MqttState MqttClient::state() const { return impl_->state(); }
const std::string& MqttClient::last_error() const { return impl_->last_error(); }
std::uint64_t MqttClient::connects() const { return impl_->connects(); }

}  // namespace mf::net
