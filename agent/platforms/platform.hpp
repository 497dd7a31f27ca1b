#pragma once
// A platform, as the daemon and the one-shot see it: the policy its events
// meet at the door, and endpoints (credential flow plus wire) for the generic
// links. Like Fluent Bit's outputs: each platform knows its wire; buffering,
// windows, retries and order belong to the uplink.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/counters.hpp"
#include "agent/common/random.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/config/config.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/ingest/event_policy.hpp"
#include "agent/net/http_client.hpp"
#include "agent/uplink/uplink.hpp"

namespace mf::uplink {
class StreamEndpoint;
class BatchEndpoint;
}  // namespace mf::uplink

namespace mf::platforms {

struct PlatformDeps {
  Scheduler& scheduler;
  const WallClock& clock;
  net::HttpClient& http;
  Counters& counters;
  Random& random;
};

class Platform : public uplink::LinkFactory {
 public:
  explicit Platform(const config::PlatformDecl& decl) : decl_(decl) {}

  std::string_view name() const { return decl_.name; }
  bool link_per_actor() const override { return decl_.delivery == config::Delivery::stream_per_actor; }
  virtual const ingest::EventPolicy& event_policy() const = 0;
  // A streaming platform's endpoint (for an actor, when it has a link per actor); else nullptr.
  virtual std::unique_ptr<uplink::StreamEndpoint> stream_endpoint(const std::string& actor_json);
  // A batch platform's endpoint; else nullptr.
  virtual std::unique_ptr<uplink::BatchEndpoint> batch_endpoint();

  // What the platform loads for itself before events flow (Manufactory's
  // schemas): an error when it cannot start at all.
  virtual Status load() { return {}; }
  // Its own background work; `settled` runs once the first attempt ended,
  // either way. keep_fresh: the daemon (refreshes); else the one-shot.
  virtual void start(bool keep_fresh, std::function<void()> settled) {
    (void)keep_fresh;
    settled();
  }
  // SIGHUP, with the config as it is now: applies what the platform can
  // change while running (passwords and keys are read again with the config)
  // and returns the keys of its section that changed but need a restart.
  virtual std::vector<std::string> reload(const Config& next) = 0;
  // What events are checked against at the door, for status; empty when there is nothing to say.
  virtual std::string validation() const { return {}; }

  // uplink::LinkFactory: a StreamLink or a BatchLink around the endpoint.
  std::unique_ptr<uplink::Link> make_link(uplink::LinkId id, const std::string& first_actor_json, uplink::LinkDeps& deps,
                                          const uplink::LinkSettings& settings, uplink::LinkListener& listener) override;

 private:
  const config::PlatformDecl& decl_;
};

// A platform as the agent knows it: its configuration (name, delivery, keys)
// and how it is made. Each platform's folder has one; the registry lists them.
struct Descriptor {
  const config::PlatformDecl& config;
  std::unique_ptr<Platform> (*make)(const Config& config, PlatformDeps deps);
};

// A reload's rotated login, for a section with a user and a password (and its
// file, and where it came from): the next login uses them.
template <class Settings>
void take_login(Settings& to, const Settings& from) {
  to.username = from.username;
  to.password = from.password;
  to.password_file = from.password_file;
  to.password_source = from.password_source;
}

}  // namespace mf::platforms
