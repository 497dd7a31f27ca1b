#pragma once
#include <string>

namespace mf::test {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes text to name (mode given) and returns the full path.
  std::string write(const std::string& name, const std::string& text, unsigned mode = 0600) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

}  // namespace mf::test
