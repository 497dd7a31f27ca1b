#pragma once
// Every actor, the link its events travel on, and who may hold a link open.
// A platform that delivers per actor (Delivery::stream_per_actor) gives each
// actor a link of its own, with its own credential; the others one link for all. At most max_connections links are open
// at once, served fairly: a link with nothing to send gives its place to a
// waiting one at once, else after idle_timeout; one that holds its place
// longer than fair_share while others wait yields and queues again.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/uplink/link.hpp"

namespace mf::uplink {

struct UplinkSettings {
  LinkSettings link;
  std::size_t max_connections = 8;
  Duration idle_timeout{60'000};
  Duration fair_share{5'000};
};

// How links are made: the platform's part of the uplink.
class LinkFactory {
 public:
  virtual ~LinkFactory() = default;
  // True: each actor gets its own link (and credential); false: one link carries every actor.
  virtual bool link_per_actor() const = 0;
  // first_actor_json: the actor of a per-actor link; empty for the shared link.
  virtual std::unique_ptr<Link> make_link(LinkId id, const std::string& first_actor_json, LinkDeps& deps,
                                          const LinkSettings& settings, LinkListener& listener) = 0;
};

struct ActorStatus {
  buffer::ActorId id = 0;
  std::string actor_json;
  LinkState state = LinkState::idle;
  std::uint64_t acked = 0;
  std::uint64_t rejected = 0;
  std::size_t waiting = 0;
  std::size_t in_flight = 0;
  std::optional<Duration> credential_expires_in;
};

class Uplink final : public LinkListener {
 public:
  Uplink(LinkDeps deps, UplinkSettings settings, LinkFactory& factory);
  ~Uplink() override;

  // The id for an actor (its JSON as given, compact); new actors are registered.
  buffer::ActorId actor_id(const std::string& actor_json);
  void on_buffered(buffer::ActorId actor);

  // Closes every connection gracefully; done runs once all are closed.
  void close_all(std::function<void()> done);

  std::vector<ActorStatus> status() const;
  // Links holding a connection slot (each may be between connections).
  std::size_t open_links() const { return active_count_; }
  // Connections to the platform open or opening now: WebSockets, or HTTP
  // requests under way.
  std::size_t open_connections() const;
  std::size_t actor_count() const { return ids_.size(); }
  bool knows(const std::string& actor_json) const { return ids_.count(actor_json) > 0; }
  // The earliest credential expiry among the links (status, metrics).
  std::optional<Duration> next_credential_expiry() const;
  // The first link's credential problem (see Link::credential_problem), or empty.
  std::string credential_problem() const;
  // After a reload: every link tries what was refused again at once.
  void retry_now();

 private:
  // A link and its connection slot.
  enum class Slot {
    none,     // neither holds one nor waits
    queued,   // waits for one (in waiting_)
    holding,  // holds one: started
    leaving,  // holds one while it closes, to give it up
  };
  struct Entry {
    std::unique_ptr<Link> link;
    Slot slot = Slot::none;
    TimePoint active_since{};
    bool holds_slot() const { return slot == Slot::holding || slot == Slot::leaving; }
    std::unique_ptr<Timer> idle_timer;
  };
  struct Actor {
    std::string json;
    LinkId link = 0;
  };

  LinkId link_for_new_actor(buffer::ActorId actor, const std::string& actor_json);
  bool has_waiting(LinkId link) const;
  void on_drained(LinkId link) override;
  void on_link_closed(LinkId link) override;
  void activate(LinkId link);
  void leave(LinkId link);
  void queue(LinkId link);
  void fill_slots();
  void arm_rotation();
  void rotate();

  LinkDeps deps_;
  UplinkSettings settings_;
  LinkFactory& factory_;
  std::unordered_map<std::string, buffer::ActorId> ids_;
  std::map<buffer::ActorId, Actor> actors_;  // node-based: the JSON strings stay put for the links
  std::map<LinkId, Entry> entries_;
  std::deque<LinkId> waiting_;
  std::size_t active_count_ = 0;
  buffer::ActorId next_id_ = 1;
  std::unique_ptr<Timer> rotation_timer_;
  bool closing_all_ = false;
  std::function<void()> on_all_closed_;
};

}  // namespace mf::uplink
