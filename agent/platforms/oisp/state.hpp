#pragma once
// What OISP onboarding leaves behind and a restart must find again: the
// device token, its refresh token, the account and every component's cid.
// Kept in state_directory as JSON, written atomically, mode 0600.
#include <map>
#include <string>

#include "agent/common/expected.hpp"
#include "agent/common/secret.hpp"

namespace mf::oisp {

struct DeviceState {
  std::string device_id;
  std::string account_id;
  Secret device_token;
  Secret refresh_token;
  std::map<std::string, std::string> components;  // attribute name -> cid

  bool onboarded() const { return !device_token.empty(); }
};

std::string state_path(const std::string& state_directory, const std::string& device_id);
Status save_state(const std::string& path, const DeviceState& state);
// An empty state when there is no file; an error when it cannot be read or is not ours.
Expected<DeviceState> load_state(const std::string& path);

}  // namespace mf::oisp
