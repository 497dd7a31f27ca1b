#include "agent/uplink/batch_endpoint.hpp"

namespace mf::uplink {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::vector<EventOutcome> all(std::size_t n, EventOutcome::Kind kind, const std::string& reason) {
  return std::vector<EventOutcome>(n, EventOutcome{kind, reason});
}

}  // namespace

std::vector<EventOutcome> outcomes_of(const BatchResult& result, std::size_t n) {
  using Kind = EventOutcome::Kind;
  return std::visit(Overloaded{
                        [n](const batch::Delivered&) { return all(n, Kind::delivered, {}); },
                        [n](const batch::Rejected& r) { return all(n, Kind::rejected, r.reason); },
                        [](const batch::PerEvent& r) { return r.outcomes; },
                        [n](const batch::NotStored& r) { return all(n, Kind::retry, r.error.message); },
                        [n](const batch::CredentialRefused& r) { return all(n, Kind::retry, r.error.message); },
                        [n](const batch::TargetRefused& r) { return all(n, Kind::retry, r.error.message); },
                        [n](const batch::RefusedWhole& r) { return all(n, Kind::rejected, r.reason); },
                    },
                    result);
}

Error error_of(const BatchResult& result) {
  return std::visit(Overloaded{
                        [](const batch::PerEvent& r) { return r.error; },
                        [](const batch::NotStored& r) { return r.error; },
                        [](const batch::CredentialRefused& r) { return r.error; },
                        [](const batch::TargetRefused& r) { return r.error; },
                        [](const auto&) { return Error{}; },
                    },
                    result);
}

std::optional<Duration> pause_of(const BatchResult& result) {
  return std::visit(Overloaded{
                        [](const batch::Delivered& r) { return r.pause; },
                        [](const batch::PerEvent& r) { return r.pause; },
                        [](const batch::NotStored& r) { return r.pause; },
                        [](const auto&) { return std::optional<Duration>(); },
                    },
                    result);
}

}  // namespace mf::uplink
