#pragma once
// The few POSIX file operations the disk buffer needs, as RAII and values.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::buffer::disk {

class File {
 public:
  File() = default;
  static Expected<File> open_append(const std::string& path, bool create_new);
  static Expected<File> open_read(const std::string& path);
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }

  // All or nothing: a partial write (full disk) is cut off again. Should that
  // fail too, size() includes the torn bytes.
  Expected<void> append(std::string_view bytes);
  // Reads up to out.size() bytes at offset; returns how many were read.
  Expected<std::size_t> read_at(std::uint64_t offset, std::string& out) const;
  Expected<void> sync_data();
  Expected<void> truncate(std::uint64_t size);

 private:
  File(int fd, std::string path, std::uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
};

// A whole file, read-only mapped (recovery reads segments this way: no copy, no heap).
class MappedFile {
 public:
  static Expected<MappedFile> map(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile();
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// An exclusive flock on <dir>/lock for as long as the object lives.
class DirectoryLock {
 public:
  static Expected<DirectoryLock> acquire(const std::string& dir);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

Expected<void> make_directory(const std::string& path);
Expected<void> sync_directory(const std::string& path);
// Names in dir ending with suffix, sorted.
Expected<std::vector<std::string>> list_files(const std::string& dir, std::string_view suffix);
Expected<void> rename_file(const std::string& from, const std::string& to);
Expected<void> remove_file(const std::string& path);
Expected<void> write_new_file(const std::string& path, std::string_view bytes);  // fsynced

std::string errno_text(int err);

}  // namespace mf::buffer::disk
