#include "agent/platforms/manufactory/schema/schema_source.hpp"

#include <algorithm>

#include "agent/common/excerpt.hpp"
#include "agent/common/kept_file.hpp"
#include "agent/common/log.hpp"
#include "agent/common/units.hpp"
#include "agent/config/file_access.hpp"

namespace mf::manufactory {
namespace {

constexpr Duration kFirstRetry{30'000};
constexpr std::size_t kMaxQuoted = 200;

std::string age_text(std::int64_t ms) {
  const std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + " s old";
  if (s < 120 * 60) return std::to_string(s / 60) + " min old";
  if (s < 48 * 3600) return std::to_string(s / 3600) + " h old";
  return std::to_string(s / 86400) + " days old";
}

std::string printable(std::string_view body) { return excerpt(body, kMaxQuoted); }

}  // namespace

SchemaSource::SchemaSource(SchemaSettings settings, SchemaLocation where, net::HttpClient& http, Scheduler& scheduler,
                           const WallClock& wall)
    : settings_(std::move(settings)),
      where_(std::move(where)),
      http_(http),
      scheduler_(scheduler),
      wall_(wall),
      timer_(scheduler.make_timer()) {}

SchemaSource::~SchemaSource() = default;

namespace {

// Parts of an answer the agent could not use: said, while the rest is used.
void warn_unused(const Schemas& schemas) {
  for (const auto* s : {&schemas.actors, &schemas.events}) {
    for (const auto& note : s->notes) log::warn("schema: {}", note);
  }
}

}  // namespace

Status SchemaSource::load() {
  if (settings_.from_file()) return load_file();
  if (settings_.pulled()) load_kept_copy();
  return {};
}

Status SchemaSource::load_file() {
  auto text = config::read_text_file(settings_.file, "schema.file");
  if (!text) return fail(text.error());
  auto schemas = parse_schemas(*text);
  if (!schemas) return fail(ErrorKind::config, "schema.file " + settings_.file + ": " + schemas.error().message);
  current_ = std::make_shared<const Schemas>(std::move(*schemas));  // what it could not use, the config's check said
  from_ = From::file;
  return {};
}

void SchemaSource::load_kept_copy() {
  auto text = read_kept_file(where_.kept_path);
  if (!text || !*text) {
    if (!text) log::warn("schema: cannot read the kept copy: {}", text.error().message);
    return;
  }
  auto schemas = parse_schemas(**text);
  if (!schemas) {
    log::warn("schema: the kept copy {} is not usable ({}); it is replaced at the next fetch", where_.kept_path,
              schemas.error().message);
    return;
  }
  current_ = std::make_shared<const Schemas>(std::move(*schemas));
  from_ = From::kept_copy;
  kept_fetched_ms_ = fetched_at_ms(**text);
}

void SchemaSource::start(bool keep_fresh, std::function<void()> done) {
  keep_fresh_ = keep_fresh;
  settled_ = std::move(done);
  if (!settings_.pulled()) return settle();
  fetch();
}

void SchemaSource::reload(const SchemaSettings& next) {
  settings_ = next;
  if (settings_.from_file()) {
    if (auto ok = load_file(); !ok) {
      log::error("SIGHUP: {}; still checking against the schemas loaded before", ok.error().message);
    } else {
      log::info("SIGHUP: schemas read again from {}", settings_.file);
    }
    return;
  }
  if (!settings_.pulled()) {
    current_.reset();
    from_ = From::none;
    return;
  }
  if (!fetching_) fetch();
}

void SchemaSource::fetch() {
  fetching_ = true;
  timer_->cancel();
  std::weak_ptr<bool> alive = alive_;
  fetch_kind("actors", [this, alive](Expected<Schema> actors) {
    if (alive.expired()) return;
    fetch_kind("events", [this, alive, actors = std::move(actors)](Expected<Schema> events) mutable {
      if (alive.expired()) return;
      on_fetched(std::move(actors), std::move(events));
    });
  });
}

void SchemaSource::fetch_kind(const std::string& kind, std::function<void(Expected<Schema>)> done) {
  net::HttpRequest request;
  request.method = "GET";
  request.url = where_.collector;
  request.url.target = where_.collector.join("/" + kind + "/schema/" + where_.org_id + "/" + std::to_string(where_.project_id));
  request.headers.emplace_back("X-Manufactory-Auth", settings_.access_token.reveal());
  request.headers.emplace_back("Accept", "application/json");
  http_.request(std::move(request), [this, kind, done = std::move(done)](Expected<net::HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    if (r->status == 200) return done(parse_schema(r->body, kind + " schema from the collector"));
    if (r->status == 401 || r->status == 403) {
      return done(fail(ErrorKind::auth_rejected, "the collector refused schema.access_token (HTTP " + std::to_string(r->status) +
                                                     "); it needs a Manufactory access token, not the project key"));
    }
    if (r->status == 404) {
      return done(fail(ErrorKind::config, "the collector has no " + kind + " schema for org_id " + where_.org_id +
                                              ", project_id " + std::to_string(where_.project_id) +
                                              " (HTTP 404); create it, or check the two keys"));
    }
    done(fail(ErrorKind::network, "GET " + kind + " schema: HTTP " + std::to_string(r->status) + ": " + printable(r->body)));
  });
}

void SchemaSource::on_fetched(Expected<Schema> actors, Expected<Schema> events) {
  fetching_ = false;
  if (actors && events) {
    auto schemas = std::make_shared<Schemas>();
    schemas->actors = std::move(*actors);
    schemas->events = std::move(*events);
    if (auto kept = write_kept_file(where_.kept_path, schemas_json(*schemas, wall_.now_ms())); !kept) {
      log::warn("schema: {}; a restart without network will check names only", kept.error().message);
    }
    log::info("schema: fetched from the collector: {} actor and {} event attributes", schemas->actors.attributes.size(),
              schemas->events.attributes.size());
    warn_unused(*schemas);
    current_ = std::move(schemas);
    from_ = From::collector;
    fetched_at_ = scheduler_.now();
    problem_.clear();
    retry_ = kFirstRetry;
    if (keep_fresh_) timer_->start(settings_.refresh, [this] { fetch(); });
    return settle();
  }
  problem_ = (actors ? events : actors).error().message;
  log::warn("schema: {}; {}; trying again in {}", problem_,
            current_ ? "still checking against the schemas it had" : "checking attribute names only until then",
            format_duration(retry_));
  if (keep_fresh_) timer_->start(retry_, [this] { fetch(); });
  retry_ = std::min(retry_ * 2, settings_.refresh);
  settle();
}

void SchemaSource::settle() {
  if (!settled_) return;
  auto done = std::move(settled_);
  settled_ = nullptr;
  done();
}

std::string SchemaSource::age() const {
  if (from_ == From::collector && fetched_at_) {
    return age_text(std::chrono::duration_cast<Duration>(scheduler_.now() - *fetched_at_).count());
  }
  const std::int64_t now = wall_.now_ms();
  if (kept_fetched_ms_ && now >= *kept_fetched_ms_) return age_text(now - *kept_fetched_ms_);
  return "of unknown age";  // the calendar is not set yet, or was set back
}

std::string SchemaSource::origin(std::string_view kind) const {
  const std::string what = std::string(kind) + " schema";
  switch (from_) {
    case From::file: return what + " from " + settings_.file;
    case From::collector: return what + " from collector, " + age();
    case From::kept_copy: return what + " kept from the collector, " + age();
    case From::none: break;
  }
  return "no " + what;
}

std::string SchemaSource::describe() const {
  const std::string failed = problem_.empty() ? std::string() : "; the last fetch failed: " + problem_;
  switch (from_) {
    case From::file: return "schemas from " + settings_.file;
    case From::collector: return "schemas from collector, " + age() + failed;
    case From::kept_copy: return "schemas kept from the collector, " + age() + (fetching_ ? "; fetching" : "") + failed;
    case From::none: break;
  }
  if (!settings_.configured()) return "names only (no schema configured)";
  return problem_.empty() ? "names only until the schemas are fetched" : "names only: the schemas could not be fetched: " + problem_;
}

}  // namespace mf::manufactory
