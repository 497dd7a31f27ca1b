#include "tools/mock-collector/options.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "agent/common/units.hpp"

namespace mock {
namespace {

const char* const kUsage = R"(mock-collector: the agent's platforms for tests, demos and benchmarks (loopback only)

  --platform NAME        manufactory (default), sama, oisp or mobiusflow: which server to be
  --listen HOST:PORT     address to listen on (default 127.0.0.1:0, any free port)
  --port-file FILE       write the chosen port here once listening
  --cert FILE --key FILE TLS certificate chain and key (tools/make-test-certs.sh makes them)
  --plain                no TLS (http:// and ws://)
  --project-key KEY      project key /auth accepts (default test-project-key)
  --org-id ID            (default org_test)     --project-id N   (default 1)
  --access-token T       token for the schema endpoints (default test-access-token)
  --schemas FILE         JSON {"actors":{name:TYPE}, "events":{name:TYPE}, "unique_id":name}
  --session-ttl DUR      client_uuid lifetime (default 12h); at expiry the connection is closed (1008)
  --kill-every N         drop the TCP connection at every N-th event (sama: message; REST: data
                         request) on a connection, after storing it, unanswered
  --reply-delay DUR      delay every WebSocket reply (order kept)
  --poison-seq N         manufactory: an event whose seq is N drops the connection, unstored, every time
  --fail-auth N          answer the first N /auth calls with 503 and Retry-After
  --retry-after SECONDS  the Retry-After value for those (default 1)
  --stats-file FILE      JSON counters, rewritten at most every 50 ms, on SIGUSR1 and at exit
  --greeting TEXT        the first WebSocket message
  --hostile MODE         misbehave on the first --hostile-times connections (default 2), then behave:
                           non-json-reply     answer the first event with an HTML page (not stored)
                           unknown-reply      answer it with JSON of an unknown type (not stored)
                           unsolicited-reply  after 300 ms without a message, send a reply to no event
                           huge-frame         answer it with a 2 MiB frame (not stored)
                           no-greeting        accept the WebSocket and never greet
                           silent-tcp         accept TCP and never say a byte (no TLS handshake either)
                           tls1.0             speak TLS 1.0 only
                           huge-response      answer /auth with a 2 MiB body
                           huge-headers       answer /auth with 32 KiB of headers
  --hostile-times N      how many connections misbehave
  --latency-field NAME   events carry NAME: steady-clock ns at their creation (same host); the
                         time until their reply is written is reported as latency_us in the stats
  --quiet                do not print each event

 For --platform sama, oisp and mobiusflow:
  --user NAME --password PW   the account the agent logs in with (default gateway_01 / test-password)
  --token-ttl DUR        access (sama, mobiusflow) or device (oisp) token lifetime, enforced
  --refresh-ttl DUR      refresh cookie or token lifetime
  --refuse-refresh-every N  refuse every N-th refresh (as if the token were revoked)
  --fail-every N         answer every N-th data request with 503, storing nothing (oisp, mobiusflow)
 sama only:
  --organization ID --conversation ID   the organization and the conversation events go to
  --idle-drop DUR        drop a client that neither pongs nor sends this long (default 10s)
  --ping-every DUR       the server's WebSocket ping (default 8s)
  --transient-error-every N  every N-th message fails as the real server's does when its database resets,
                         unstored: "error":"read ECONNRESET", then an error object with no status
  --not-member           the user is not in the conversation: every message is answered 403 Forbidden.
  --store-out-of-order   store a socket's messages concurrently, as the real server does under load
                         (those arriving within 20 ms are stored in a shuffled order)
  --lose-session-every N answer every N-th message with 401 Unauthorized, not storing it
 oisp only:
  --activation-code C    a code the operator hands out (valid one hour from the start; default CgSVoHee,
                         the README's; "" for none)
  --rate-limit N         data requests per device per hour (default 36000), with X-Rate-Limit-* headers
  --rate-limit-every N   answer every N-th data request 429 (reset in 1 s), storing nothing
  --token-info-exp F     tokenInfo's exp as iso (old servers), ms (later ones) or s
  --catalog NAME:TYPE    another component type (TYPE: Number, String or Boolean); repeatable
  --seq-component NAME   the component whose values are the events' seq in the stats (default sequence)
  --kill-components N    store the first N component registrations and drop the connection (lost answers)
  --forget-component NAME --forget-after N   after N data requests, the device loses that component
 mobiusflow only:
  --point HID/SID/PID/INS/RID   a resource that exists (repeatable); none given: every well-formed one
  --unauthorized-every N answer every N-th write 401 though its token is valid, applying nothing
  (--kill-every and --fail-every count writes; --refuse-refresh-every refreshes)
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "mock-collector: %s\n\n%s", message.c_str(), kUsage);
  std::exit(2);
}

std::uint64_t to_number(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') usage_error(flag + " needs a whole number, not '" + text + "'");
  return v;
}

std::chrono::milliseconds to_duration(const std::string& flag, const std::string& text) {
  auto d = mf::parse_duration(text);
  if (!d) usage_error(flag + ": " + d.error().message);
  return *d;
}

Options::Hostile to_hostile(const std::string& mode) {
  using H = Options::Hostile;
  static const std::vector<std::pair<std::string, H>> modes = {
      {"non-json-reply", H::non_json_reply}, {"unknown-reply", H::unknown_reply}, {"unsolicited-reply", H::unsolicited_reply},
      {"huge-frame", H::huge_frame},         {"no-greeting", H::no_greeting},     {"silent-tcp", H::silent_tcp},
      {"tls1.0", H::tls10},                  {"huge-response", H::huge_response}, {"huge-headers", H::huge_headers}};
  for (const auto& [name, value] : modes) {
    if (name == mode) return value;
  }
  usage_error("unknown --hostile mode '" + mode + "'");
}

Options::Platform to_platform(const std::string& name) {
  using P = Options::Platform;
  for (P p : {P::manufactory, P::sama, P::oisp, P::mobiusflow}) {
    if (name == to_string(p)) return p;
  }
  usage_error("unknown --platform '" + name + "'");
}

}  // namespace

const char* to_string(Options::Platform platform) {
  switch (platform) {
    case Options::Platform::manufactory: return "manufactory";
    case Options::Platform::sama: return "sama";
    case Options::Platform::oisp: return "oisp";
    case Options::Platform::mobiusflow: return "mobiusflow";
  }
  return "?";
}

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (flag == "--plain") { o.plain = true; continue; }
    if (flag == "--quiet") { o.quiet = true; continue; }
    if (flag == "--not-member") { o.not_member = true; continue; }
    if (flag == "--store-out-of-order") { o.store_out_of_order = true; continue; }
    if (i + 1 >= args.size()) usage_error("unknown option or missing value: " + flag);
    const std::string& v = args[++i];
    if (flag == "--listen") {
      const auto colon = v.rfind(':');
      if (colon == std::string::npos) usage_error("--listen needs HOST:PORT");
      o.host = v.substr(0, colon);
      o.port = static_cast<std::uint16_t>(to_number(flag, v.substr(colon + 1)));
    } else if (flag == "--port-file") o.port_file = v;
    else if (flag == "--cert") o.cert_file = v;
    else if (flag == "--key") o.key_file = v;
    else if (flag == "--project-key") o.project_key = v;
    else if (flag == "--org-id") o.org_id = v;
    else if (flag == "--project-id") o.project_id = static_cast<std::int64_t>(to_number(flag, v));
    else if (flag == "--access-token") o.access_token = v;
    else if (flag == "--schemas") o.schemas_file = v;
    else if (flag == "--session-ttl") o.session_ttl = to_duration(flag, v);
    else if (flag == "--kill-every") o.kill_every = to_number(flag, v);
    else if (flag == "--poison-seq") o.poison_seq = static_cast<std::int64_t>(to_number(flag, v));
    else if (flag == "--reply-delay") o.reply_delay = to_duration(flag, v);
    else if (flag == "--fail-auth") o.fail_auth = to_number(flag, v);
    else if (flag == "--retry-after") o.retry_after_s = static_cast<unsigned>(to_number(flag, v));
    else if (flag == "--stats-file") o.stats_file = v;
    else if (flag == "--greeting") o.greeting = v;
    else if (flag == "--hostile") o.hostile = to_hostile(v);
    else if (flag == "--hostile-times") o.hostile_times = to_number(flag, v);
    else if (flag == "--latency-field") o.latency_field = v;
    else if (flag == "--platform") o.platform = to_platform(v);
    else if (flag == "--user") o.user = v;
    else if (flag == "--password") o.password = v;
    else if (flag == "--organization") o.organization_id = v;
    else if (flag == "--conversation") o.conversation_id = v;
    else if (flag == "--token-ttl") o.token_ttl = to_duration(flag, v);
    else if (flag == "--refresh-ttl") o.refresh_ttl = to_duration(flag, v);
    else if (flag == "--idle-drop") o.idle_drop = to_duration(flag, v);
    else if (flag == "--ping-every") o.ping_every = to_duration(flag, v);
    else if (flag == "--transient-error-every") o.transient_error_every = to_number(flag, v);
    else if (flag == "--refuse-refresh-every") o.refuse_refresh_every = to_number(flag, v);
    else if (flag == "--fail-every") o.fail_every = to_number(flag, v);
    else if (flag == "--lose-session-every") o.lose_session_every = to_number(flag, v);
    else if (flag == "--activation-code") o.activation_code = v;
    else if (flag == "--rate-limit") o.rate_limit_per_hour = to_number(flag, v);
    else if (flag == "--rate-limit-every") o.rate_limit_every = to_number(flag, v);
    else if (flag == "--token-info-exp") o.token_info_exp = v;
    else if (flag == "--catalog") o.catalog.push_back(v);
    else if (flag == "--seq-component") o.seq_component = v;
    else if (flag == "--kill-components") o.kill_components = to_number(flag, v);
    else if (flag == "--forget-component") o.forget_component = v;
    else if (flag == "--forget-after") o.forget_after = to_number(flag, v);
    else if (flag == "--point") o.points.push_back(v);
    else if (flag == "--unauthorized-every") o.unauthorized_every = to_number(flag, v);
    else usage_error("unknown option " + flag);
  }
  if (!o.plain && (o.cert_file.empty() || o.key_file.empty())) usage_error("give --cert and --key, or --plain");
  return o;
}

}  // namespace mock
