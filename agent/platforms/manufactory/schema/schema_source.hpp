#pragma once
// Where the schemas events are checked against come from, and how old they
// are: schema.file (re-read at SIGHUP), or pulled from the collector with an
// access token every schema.refresh and kept in state_directory, so a restart
// without network still validates. Without either, or while nothing could be
// fetched and nothing was kept, there is no schema: names only.
//
//   none ──start──> fetching ──both answers──> pulled ──refresh──> fetching
//                      │                                              │
//                      └── failed: kept copy (or names only), again in 30 s .. schema.refresh
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/net/http_client.hpp"
#include "agent/platforms/manufactory/schema/schema.hpp"
#include "agent/platforms/manufactory/schema/settings.hpp"

namespace mf::manufactory {

struct SchemaLocation {
  std::string org_id;
  std::int64_t project_id = 0;
  net::Url collector;     // collector.url
  std::string kept_path;  // state_directory/manufactory-schema.json
};

class SchemaSource {
 public:
  SchemaSource(SchemaSettings settings, SchemaLocation where, net::HttpClient& http, Scheduler& scheduler,
               const WallClock& wall);
  ~SchemaSource();
  SchemaSource(const SchemaSource&) = delete;
  SchemaSource& operator=(const SchemaSource&) = delete;

  // The file, or the kept copy of pulled schemas; an error only for a file that cannot be used.
  Status load();
  // Pulls now (when pulling); `done` once that first attempt ended, either way.
  // With keep_fresh, again every schema.refresh (sooner after a failure).
  void start(bool keep_fresh, std::function<void()> done);
  // SIGHUP: the new settings; the file is read again, pulled schemas fetched again.
  void reload(const SchemaSettings& next);

  const Schemas* current() const { return current_.get(); }
  bool allow_unknown() const { return settings_.allow_unknown; }
  // "events schema from collector, 12 min old"; kind is "actors" or "events".
  std::string origin(std::string_view kind) const;
  // What ingest checks against, for status: "schemas from file /etc/x.json", "names only: ...".
  std::string describe() const;

 private:
  enum class From { none, file, collector, kept_copy };

  Status load_file();
  void load_kept_copy();
  void fetch();
  void fetch_kind(const std::string& kind, std::function<void(Expected<Schema>)> done);
  void on_fetched(Expected<Schema> actors, Expected<Schema> events);
  void settle();
  std::string age() const;

  SchemaSettings settings_;
  SchemaLocation where_;
  net::HttpClient& http_;
  Scheduler& scheduler_;
  const WallClock& wall_;
  std::shared_ptr<const Schemas> current_;
  From from_ = From::none;
  std::optional<TimePoint> fetched_at_;           // this run's fetch (monotonic)
  std::optional<std::int64_t> kept_fetched_ms_;   // the kept copy's, by the calendar
  std::string problem_;                           // why the last pull failed; empty when it did not
  bool keep_fresh_ = false;
  bool fetching_ = false;
  Duration retry_{30'000};
  std::function<void()> settled_;
  std::unique_ptr<Timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mf::manufactory
