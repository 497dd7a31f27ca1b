#include "agent/net/unix_line_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>

#include "agent/common/log.hpp"

namespace mf::net {
namespace {

using boost::asio::local::stream_protocol;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxPendingReplies = 1 << 20;  // stop reading from a client that does not read its replies

Status prepare_path(const std::string& name, const std::string& path) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return fail(ErrorKind::io, name + " socket: cannot create directory " + parent.string() + ": " + ec.message());
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode)) {
    return fail(ErrorKind::io, name + " socket: " + path + " exists and is not a socket; remove it or choose another path");
  }
  // A socket file: in use by a running agent, or left over from one that died.
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const bool in_use = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(probe);
  if (in_use) {
    return fail(ErrorKind::io, name + " socket " + path + " is served by another process (is another manufactory-agent running?)");
  }
  ::unlink(path.c_str());
  log::debug("{} socket: replaced the stale {}", name, path);
  return {};
}

}  // namespace

class UnixLineServer::Impl {
 public:
  Impl(boost::asio::io_context& io, LineServerOptions options, LineHandler on_line, OverlongHandler on_overlong)
      : acceptor_(io), options_(std::move(options)), on_line_(std::move(on_line)), on_overlong_(std::move(on_overlong)) {}

  ~Impl() { stop(); }

  Status start() {
    if (options_.path.size() >= sizeof(sockaddr_un::sun_path)) {
      return fail(ErrorKind::config, options_.name + " socket path is too long (max " +
                                         std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes): " + options_.path);
    }
    boost::system::error_code ec;
    if (options_.inherited_fd >= 0) {
      acceptor_.assign(stream_protocol(), options_.inherited_fd, ec);
      if (ec) return fail(ErrorKind::io, options_.name + " socket: cannot use the inherited socket: " + ec.message());
    } else {
      if (auto ok = prepare_path(options_.name, options_.path); !ok) return ok;
      acceptor_.open(stream_protocol(), ec);
      if (!ec) acceptor_.bind(stream_protocol::endpoint(options_.path), ec);
      if (!ec) ::chmod(options_.path.c_str(), options_.mode);
      if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
      if (ec) return fail(ErrorKind::io, options_.name + " socket " + options_.path + ": " + ec.message());
      owns_path_ = true;
    }
    accept();
    return {};
  }

  void stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    if (acceptor_.is_open()) acceptor_.close(ignored);
    if (owns_path_) ::unlink(options_.path.c_str());
    owns_path_ = false;
    auto clients = std::move(clients_);
    for (auto& c : clients) c->close();
  }

  void set_limits(std::size_t max_line_bytes, Duration idle_timeout) {
    options_.max_line_bytes = max_line_bytes;
    options_.idle_timeout = idle_timeout;
  }

  std::size_t clients() const { return clients_.size(); }

 private:
  class Client : public std::enable_shared_from_this<Client> {
   public:
    Client(Impl& server, stream_protocol::socket socket)
        : server_(server), socket_(std::move(socket)), idle_timer_(socket_.get_executor()) {
      in_.resize(kReadChunk);
    }

    void start() {
      arm_idle();
      read();
    }

    void close() {
      closed_ = true;
      boost::system::error_code ignored;
      idle_timer_.cancel();
      socket_.close(ignored);
    }

   private:
    void arm_idle() {
      idle_timer_.expires_after(server_.options_.idle_timeout);
      idle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        log::debug("{} socket: closing a client idle for longer than the idle time-out", self->server_.options_.name);
        self->finish();
      });
    }

    void read() {
      if (closed_ || reading_) return;
      if (pending_out_.size() >= kMaxPendingReplies) return;  // resumes when replies drain
      reading_ = true;
      socket_.async_read_some(boost::asio::buffer(in_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->reading_ = false;
        if (ec || self->closed_) return self->finish();
        self->arm_idle();
        self->consume(std::string_view(self->in_.data(), n));
        self->flush();
        self->read();
      });
    }

    void consume(std::string_view data) {
      const std::size_t limit = server_.options_.max_line_bytes;
      while (!data.empty()) {
        const auto nl = data.find('\n');
        const std::string_view piece = data.substr(0, nl);
        if (!discarding_ && line_.size() + piece.size() > limit) {
          discarding_ = true;  // the rest of this line is dropped up to its newline
          line_.clear();
        } else if (!discarding_) {
          line_.append(piece);
        }
        if (nl == std::string_view::npos) return;
        end_line();
        data.remove_prefix(nl + 1);
      }
    }

    void end_line() {
      if (discarding_) {
        respond(server_.on_overlong_(server_.options_.max_line_bytes));
        discarding_ = false;
      } else {
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (line_.find_first_not_of(" \t") != std::string::npos) respond(server_.on_line_(line_));
      }
      line_.clear();
    }

    void respond(std::string reply) {
      pending_out_ += reply;
      pending_out_ += '\n';
    }

    void flush() {
      if (writing_ || pending_out_.empty() || closed_) return;
      writing_ = true;
      out_.swap(pending_out_);
      pending_out_.clear();
      boost::asio::async_write(socket_, boost::asio::buffer(out_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        self->out_.clear();
        if (ec) return self->finish();
        self->flush();
        self->read();
      });
    }

    void finish() {
      if (finished_) return;
      finished_ = true;
      close();
      server_.forget(this);
    }

    Impl& server_;
    stream_protocol::socket socket_;
    boost::asio::steady_timer idle_timer_;
    std::string in_;
    std::string line_;
    std::string out_;
    std::string pending_out_;
    bool discarding_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool closed_ = false;
    bool finished_ = false;
  };

  void accept() {
    if (stopped_ || accepting_ || clients_.size() >= options_.max_clients) return;
    accepting_ = true;
    acceptor_.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
      accepting_ = false;
      if (stopped_) return;
      if (!ec) {
        auto client = std::make_shared<Client>(*this, std::move(socket));
        clients_.push_back(client);
        client->start();
      } else if (ec != boost::asio::error::operation_aborted) {
        log::warn("{} socket: accept failed: {}", options_.name, ec.message());
      }
      accept();
    });
  }

  void forget(Client* client) {
    clients_.remove_if([client](const auto& c) { return c.get() == client; });
    accept();  // a place is free again
  }

  stream_protocol::acceptor acceptor_;
  LineServerOptions options_;
  LineHandler on_line_;
  OverlongHandler on_overlong_;
  std::list<std::shared_ptr<Client>> clients_;
  bool accepting_ = false;
  bool stopped_ = false;
  bool owns_path_ = false;
};

UnixLineServer::UnixLineServer(boost::asio::io_context& io, LineServerOptions options, LineHandler on_line,
                               OverlongHandler on_overlong)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(on_line), std::move(on_overlong))) {}

UnixLineServer::~UnixLineServer() = default;
Status UnixLineServer::start() { return impl_->start(); }
void UnixLineServer::stop() { impl_->stop(); }
void UnixLineServer::set_limits(std::size_t max_line_bytes, Duration idle_timeout) {
  impl_->set_limits(max_line_bytes, idle_timeout);
}
std::size_t UnixLineServer::clients() const { return impl_->clients(); }

}  // namespace mf::net
