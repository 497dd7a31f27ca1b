#pragma once
// Whose fault a server's refusal is, which decides what happens to the events:
// - event: this event's content is refused: it goes to the dead letters;
// - configuration: what the configuration names is refused (a credential, a
//   target that is not found, a permission): events stay buffered, one
//   error is logged, retried slowly and at once after a reload;
// - credential: the credential held is no longer accepted: renew it, resend;
// - transient: anything else (a server failure, a rate limit, an error we do
//   not recognise): retried with back-off, never dead-lettered.
// Each platform sorts its own errors (docs/platforms.md has a table per
// platform); an HTTP status it has nothing more specific to say about sorts
// as blame_for_http_status says.
namespace mf::uplink {

enum class Blame { event, configuration, credential, transient };
const char* to_string(Blame blame);

// 401: credential; 403, 404, 405, 410: configuration (the URL or the target);
// 400, 409, 413, 415, 422: event; everything else, 5xx and 429 included: transient.
Blame blame_for_http_status(int status);

}  // namespace mf::uplink
