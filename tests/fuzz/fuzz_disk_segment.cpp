// Whatever a crash, a power loss or a dying SD card leaves in a buffer
// segment: the whole recovery runs on it (scan, repair, quarantine, read back).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/buffer/disk/format.hpp"
#include "agent/buffer/disk_buffer.hpp"
#include "agent/common/log.hpp"
#include "tests/support/fake_scheduler.hpp"

namespace {

namespace fs = std::filesystem;

// The pure scanner: every record it reports re-encodes to the very bytes it came from.
void check_scan(std::string_view bytes) {
  const std::string_view records = bytes.size() > mf::buffer::disk::kSegmentHeaderSize
                                       ? bytes.substr(mf::buffer::disk::kSegmentHeaderSize)
                                       : std::string_view();
  std::size_t last_end = 0;
  const auto scan = mf::buffer::disk::scan_records(
      records,
      [&](const mf::buffer::disk::Record& r, std::size_t offset) {
        std::string again;
        mf::buffer::disk::encode_record(r, again);
        if (offset < last_end || records.substr(offset, again.size()) != again) __builtin_trap();
        last_end = offset + again.size();
      },
      [&](std::size_t offset, std::size_t size) {
        if (offset < last_end || offset + size > records.size()) __builtin_trap();
        last_end = offset + size;
      });
  if (scan.valid_end > records.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    mf::log::set_level(mf::log::Level::off);
    return (fs::exists("/dev/shm") ? std::string("/dev/shm") : fs::temp_directory_path().string()) + "/mf-fuzz-disk-" +
           std::to_string(::getpid());
  }();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_scan(bytes);

  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/00000000000000000001.seg", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
  mf::test::FakeScheduler scheduler;
  mf::buffer::DiskOptions options;
  options.path = dir;
  auto buffer = mf::buffer::DiskBuffer::open(options, scheduler);
  if (!buffer) {
    if (buffer.error().message.find("newer manufactory-agent") == std::string::npos) __builtin_trap();
    return 0;
  }
  // Read back everything recovered, as the uplink would.
  mf::buffer::ActorId id = 1;
  for (const auto& actor : (*buffer)->actors_with_events()) {
    (*buffer)->describe_actor(id, actor);
    while ((*buffer)->lease_next(id) != nullptr) (*buffer)->ack_oldest(id);
    ++id;
  }
  if ((*buffer)->stats().events != 0) __builtin_trap();
  return 0;
}
