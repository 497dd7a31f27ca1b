#include "agent/buffer/disk/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mf::buffer::disk {
namespace {

Unexpected io_error(const std::string& what, const std::string& path, int err) {
  return fail(ErrorKind::io, what + " '" + path + "': " + errno_text(err));
}

}  // namespace

std::string errno_text(int err) { return std::strerror(err); }

Expected<File> File::open_append(const std::string& path, bool create_new) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create_new ? O_CREAT | O_EXCL : 0);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return io_error("cannot open buffer segment", path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  return File(fd, path, static_cast<std::uint64_t>(st.st_size));
}

Expected<File> File::open_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open buffer segment", path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  return File(fd, path, static_cast<std::uint64_t>(st.st_size));
}

File::File(File&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)), size_(other.size_) { other.fd_ = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<void> File::append(std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        size_ += done;  // the torn record stays (recovery cuts it off); size() tells the truth
      }
      return io_error("cannot write buffer segment", path_, err);
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return {};
}

Expected<std::size_t> File::read_at(std::uint64_t offset, std::string& out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read buffer segment", path_, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Expected<void> File::sync_data() {
  if (::fdatasync(fd_) != 0) return io_error("cannot sync buffer segment", path_, errno);
  return {};
}

Expected<void> File::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return io_error("cannot truncate buffer segment", path_, errno);
  size_ = size;
  return {};
}

Expected<MappedFile> MappedFile::map(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open buffer segment", path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile(nullptr, 0);
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (data == MAP_FAILED) return io_error("cannot map buffer segment", path, err);
  ::madvise(data, size, MADV_SEQUENTIAL);
  return MappedFile(data, size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Expected<DirectoryLock> DirectoryLock::acquire(const std::string& dir) {
  const std::string path = dir + "/lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create the buffer lock", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(ErrorKind::config, "buffer.path '" + dir +
                                         "' is in use by another manufactory-agent (it holds the lock on '" + path +
                                         "'); give each agent its own buffer directory");
    }
    return io_error("cannot lock", path, err);
  }
  return DirectoryLock(fd);
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Expected<void> make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return fail(ErrorKind::config, "buffer.path '" + path + "' exists and is not a directory; point it at a directory");
  }
  return io_error("cannot create the buffer directory", path, errno);
}

Expected<void> sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", path, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync directory", path, err);
  return {};
}

Expected<std::vector<std::string>> list_files(const std::string& dir, std::string_view suffix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return io_error("cannot list the buffer directory", dir, errno);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Expected<void> rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("cannot rename", from, errno);
  return {};
}

Expected<void> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", path, errno);
  return {};
}

Expected<void> write_new_file(const std::string& path, std::string_view bytes) {
  auto file = File::open_append(path, true);
  if (!file) return fail(file.error());
  if (auto ok = file->append(bytes); !ok) return ok;
  return file->sync_data();
}

}  // namespace mf::buffer::disk
