#include "agent/cli/preflight.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "agent/config/file_access.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/net/tls.hpp"

namespace mf::cli {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status writable_directory(const std::string& key, const std::string& dir, const std::string& fix) {
  if (config::writable_or_creatable(dir)) return {};
  const std::string at = config::existing_ancestor(dir);
  struct stat st {};
  if (::stat(at.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::config, key + " " + dir + ": " + at + " is not a directory; " + fix);
  }
  const std::string what = at == dir ? dir + " is not writable" : dir + " cannot be created (" + at + " is not writable)";
  return fail(ErrorKind::config, key + ": " + what + " by this user (uid " + std::to_string(::getuid()) + "); " + fix);
}

bool writes_state(const Config& c) { return c.platform->writes_state(c); }

}  // namespace

Status preflight(const Config& c) {
  if (!c.collector.ca_file.empty()) {
    if (auto tls = net::make_client_tls_context({c.collector.ca_file, false}); !tls) {
      return fail(ErrorKind::config, "collector.ca_file: " + tls.error().message);
    }
  }
  const std::string as_service = "run the daemon as the package's service user (sudo systemctl start manufactory-agent), or set ";
  if (auto ok = writable_directory("ingest.socket", parent_of(c.ingest.socket), as_service + "ingest.socket to a path you can write");
      !ok) {
    return ok;
  }
  if (auto ok = writable_directory("ingest.control_socket", parent_of(c.ingest.control_socket),
                                   as_service + "ingest.control_socket to a path you can write");
      !ok) {
    return ok;
  }
  if (writes_state(c)) {
    if (auto ok = writable_directory("state_directory", c.state_directory, as_service + "state_directory to a directory you can write");
        !ok) {
      return ok;
    }
  }
  if (!c.buffer.path.empty()) {
    if (auto ok = writable_directory("buffer.path", c.buffer.path, as_service + "buffer.path to a directory you can write"); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace mf::cli
