#include "agent/config/file_access.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace mf::config {
namespace {

constexpr const char* kAgentGroup = "manufactory";  // the package's group (packaging/debian/postinst)

// Group read is fine for the agent's own group: the one this process runs
// as (or belongs to: `send` by a member of it), or the package's group,
// which root's check-config sees too.
bool agents_group(gid_t gid) {
  if (gid == ::getegid()) return true;
  const int count = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(count > 0 ? static_cast<std::size_t>(count) : 0);
  if (count > 0 && ::getgroups(count, groups.data()) == count) {
    for (gid_t g : groups) {
      if (g == gid) return true;
    }
  }
  const struct group* named = ::getgrgid(gid);
  return named != nullptr && std::strcmp(named->gr_name, kAgentGroup) == 0;
}

}  // namespace

Expected<std::string> read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return fail(ErrorKind::config, "cannot read " + std::string(what) + " '" + path + "': " + std::strerror(err) +
                                       "; check the path and that the agent's user may read it");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string secret_file_exposure(const std::string& path, std::string_view what, std::string_view secret) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  const std::string fix = "; fix: chmod 600 '" + path + "' (or 640 with the agent's group)";
  if (st.st_mode & S_IROTH) {
    return std::string(what) + " '" + path + "' holds the " + std::string(secret) + " and is readable by every user (mode " + mode + ")" + fix;
  }
  if ((st.st_mode & S_IRGRP) && !agents_group(st.st_gid)) {
    return std::string(what) + " '" + path + "' holds the " + std::string(secret) + " and is readable by group " +
           std::to_string(st.st_gid) + " (mode " + mode + "), which the agent does not run as" + fix;
  }
  return {};
}

std::string existing_ancestor(std::string path) {
  struct stat st {};
  while (path.size() > 1 && ::stat(path.c_str(), &st) != 0) {
    const auto slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return path;
}

bool writable_or_creatable(const std::string& dir) {
  const std::string at = existing_ancestor(dir);
  struct stat st {};
  return ::stat(at.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(at.c_str(), W_OK | X_OK) == 0;
}

}  // namespace mf::config
