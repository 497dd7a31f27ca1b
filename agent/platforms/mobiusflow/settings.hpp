#pragma once
// The mobiusflow: section (SPEC §6).
#include <map>
#include <string>

#include "agent/common/secret.hpp"
#include "agent/config/platform_settings.hpp"

namespace mf::mobiusflow {

// A resource URI: HID/SID/PID/INS/RID, five hex fields; the first four name its object.
struct Point {
  std::string hid, sid, pid, ins, rid;
  std::string object() const { return hid + "/" + sid + "/" + pid + "/" + ins; }
  std::string uri() const { return object() + "/" + rid; }
  bool operator==(const Point& o) const { return uri() == o.uri(); }
  bool operator!=(const Point& o) const { return !(*this == o); }
};

enum class Unmapped { refuse, ignore };

struct Settings : config::PlatformSettingsOf<Settings> {
  std::string username;
  Secret password;
  std::string password_file;
  std::string password_source;
  int priority = 15;                       // 1 (highest) .. 16, as in BACnet
  std::map<std::string, Point> resources;  // attribute name -> point
  Unmapped unmapped = Unmapped::refuse;
};

}  // namespace mf::mobiusflow
