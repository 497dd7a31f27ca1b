#pragma once
// A secret (project key, client_uuid) is held in this type. Formatting it with
// fmt/spdlog prints a fixed mask, so a careless "{}" cannot leak it; the value
// is reached only through reveal(), which is easy to grep for.
#include <fmt/format.h>

#include <string>
#include <utility>

namespace mf {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const { return value_ == other.value_; }
  bool operator!=(const Secret& other) const { return value_ != other.value_; }

  static constexpr const char* kMask = "<redacted>";

 private:
  std::string value_;
};

}  // namespace mf

template <>
struct fmt::formatter<mf::Secret> : fmt::formatter<fmt::string_view> {
  template <class Ctx>
  auto format(const mf::Secret&, Ctx& ctx) const {
    return fmt::formatter<fmt::string_view>::format(mf::Secret::kMask, ctx);
  }
};
