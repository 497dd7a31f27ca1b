#pragma once
// All actors' links, and who may hold a connection: at most max_connections
// actors at once, served fairly. An actor with nothing to send gives its slot
// to a waiting one at once, else after idle_timeout; an actor that holds a
// slot longer than fair_share while others wait yields and queues again.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/uplink/actor_link.hpp"

namespace mf::uplink {

struct UplinkSettings {
  LinkSettings link;
  std::size_t max_connections = 8;
  Duration idle_timeout{60'000};
  Duration fair_share{5'000};
};

struct ActorStatus {
  buffer::ActorId id = 0;
  std::string actor_json;
  LinkState state = LinkState::idle;
  std::optional<std::int64_t> actor_profile_id;
  std::uint64_t acked = 0;
  std::uint64_t rejected = 0;
  std::size_t waiting = 0;
  std::size_t in_flight = 0;
  std::optional<Duration> session_expires_in;
};

class Uplink final : public LinkListener {
 public:
  Uplink(LinkDeps deps, UplinkSettings settings);
  ~Uplink() override;

  // The id for an actor (its JSON as given, compact); new actors are registered.
  buffer::ActorId actor_id(const std::string& actor_json);
  void on_buffered(buffer::ActorId actor);

  // Closes every connection gracefully; done runs once all are closed.
  void close_all(std::function<void()> done);

  std::vector<ActorStatus> status() const;
  std::size_t connected_actors() const { return active_count_; }
  std::size_t actor_count() const { return ids_.size(); }
  bool knows(const std::string& actor_json) const { return ids_.count(actor_json) > 0; }

 private:
  struct Entry {
    std::unique_ptr<ActorLink> link;
    bool active = false;   // holds a connection slot
    bool leaving = false;  // closing to give the slot up
    bool queued = false;   // waiting for a slot
    TimePoint active_since{};
    std::unique_ptr<Timer> idle_timer;
  };

  void on_drained(buffer::ActorId actor) override;
  void on_link_closed(buffer::ActorId actor) override;
  void activate(buffer::ActorId actor);
  void leave(buffer::ActorId actor);
  void queue(buffer::ActorId actor);
  void fill_slots();
  void arm_rotation();
  void rotate();

  LinkDeps deps_;
  UplinkSettings settings_;
  std::unordered_map<std::string, buffer::ActorId> ids_;
  std::map<buffer::ActorId, Entry> entries_;
  std::deque<buffer::ActorId> waiting_;
  std::size_t active_count_ = 0;
  buffer::ActorId next_id_ = 1;
  std::unique_ptr<Timer> rotation_timer_;
  bool closing_all_ = false;
  std::function<void()> on_all_closed_;
};

}  // namespace mf::uplink
