#include "agent/buffer/disk/recovery.hpp"

#include <algorithm>
#include <cstdio>

#include "agent/buffer/disk/file.hpp"
#include "agent/buffer/disk/format.hpp"
#include "agent/common/units.hpp"

namespace mf::buffer::disk {
namespace {

constexpr std::string_view kSegmentSuffix = ".seg";

struct Recoverer {
  const std::string& dir;
  Recovery result;
  std::uint64_t max_seq = 0;

  std::string path(const std::string& name) const { return dir + "/" + name; }
  std::string quarantine_dir() const { return dir + "/quarantine"; }

  Expected<void> run() {
    auto names = list_files(dir, kSegmentSuffix);
    if (!names) return fail(names.error());
    for (const auto& name : *names) {  // before any repair: a newer agent's buffer is left untouched
      if (auto ok = refuse_newer_format(name); !ok) return ok;
    }
    for (const auto& name : *names) {
      if (auto ok = read_segment(name); !ok) return ok;
    }
    for (auto& segment : result.segments) {
      if (auto ok = count_live_events(segment); !ok) return ok;
    }
    for (auto& [number, actor] : result.actors) {
      for (auto it = actor.dropped.begin(); it != actor.dropped.end();) {
        it = *it <= actor.watermark ? actor.dropped.erase(it) : std::next(it);
      }
      result.next_actor = std::max(result.next_actor, number + 1);
    }
    result.next_seq = std::max(result.next_seq, max_seq + 1);
    return {};
  }

  Expected<void> refuse_newer_format(const std::string& name) {
    auto mapped = MappedFile::map(path(name));
    if (!mapped) return fail(mapped.error());
    const DecodedHeader header = decode_segment_header(mapped->bytes());
    if (header.status != HeaderStatus::newer_version) return {};
    return fail(ErrorKind::config, "buffer segment '" + path(name) + "' has format version " +
                                       std::to_string(header.header.version) + " and this agent reads version " +
                                       std::to_string(kFormatVersion) +
                                       ": it was written by a newer manufactory-agent. Run that version until "
                                       "the buffer drains, or point buffer.path elsewhere (nothing was changed)");
  }

  // Pass 1: verify, repair, and learn actors, acknowledgements and drops.
  Expected<void> read_segment(const std::string& name) {
    auto mapped = MappedFile::map(path(name));
    if (!mapped) return fail(mapped.error());
    const std::string_view bytes = mapped->bytes();
    if (bytes.empty()) {  // created, then the crash came before its header: nothing in it
      result.repairs.push_back("segment " + name + " was empty; removed");
      return remove_file(path(name));
    }
    const DecodedHeader header = decode_segment_header(bytes);
    if (header.status != HeaderStatus::ok) return quarantine_file(name, "has no valid segment header");
    result.next_segment = std::max(result.next_segment, header.header.segment + 1);
    result.next_seq = std::max(result.next_seq, header.header.first_seq);

    const std::string_view records = bytes.substr(kSegmentHeaderSize);
    std::string kept;  // valid records, only built when something in the middle is damaged
    std::vector<std::pair<std::size_t, std::size_t>> valid;
    const ScanResult scan = scan_records(
        records,
        [&](const Record& r, std::size_t offset) {
          learn(r);
          valid.emplace_back(offset, encoded_size(r));
        },
        [&](std::size_t offset, std::size_t size) { save_damaged(name, offset, records.substr(offset, size)); });
    if (scan.corrupt_ranges > 0) {
      for (const auto& [offset, size] : valid) kept.append(records.substr(offset, size));
      if (auto ok = rewrite(name, bytes.substr(0, kSegmentHeaderSize), kept); !ok) return ok;
      result.repairs.push_back("segment " + name + ": " + std::to_string(scan.corrupt_ranges) +
                               " damaged record(s), " + format_size(scan.corrupt_bytes) +
                               ", moved to quarantine/; the other records were kept");
    }
    const std::uint64_t valid_size = kSegmentHeaderSize + (scan.corrupt_ranges > 0 ? kept.size() : scan.valid_end);
    if (scan.corrupt_ranges == 0 && valid_size < bytes.size()) {
      if (auto ok = cut_torn_tail(name, valid_size, bytes.size()); !ok) return ok;
    }
    result.segments.push_back({header.header.segment, path(name), valid_size, header.header.first_seq, 0});
    return {};
  }

  void learn(const Record& r) {
    switch (r.type) {
      case RecordType::actor: result.actors[r.actor].json = std::string(r.text); break;
      case RecordType::ack: {
        auto& a = result.actors[r.actor];
        a.watermark = std::max(a.watermark, r.value);
        break;
      }
      case RecordType::drop: result.actors[r.actor].dropped.insert(r.value); break;
      case RecordType::event:
      case RecordType::timed_event: max_seq = std::max(max_seq, r.seq); break;
    }
  }

  // Pass 2: which events are still to be sent, and where each actor's first one is.
  Expected<void> count_live_events(RecoveredSegment& segment) {
    auto mapped = MappedFile::map(segment.path);
    if (!mapped) return fail(mapped.error());
    const std::string_view records = mapped->bytes().substr(std::min<std::size_t>(kSegmentHeaderSize, mapped->bytes().size()));
    scan_records(
        records,
        [&](const Record& r, std::size_t offset) {
          if (!is_event(r.type)) return;
          auto it = result.actors.find(r.actor);
          if (it == result.actors.end() || it->second.json.empty()) {
            ++result.unattributed_events;
            return;
          }
          RecoveredActor& a = it->second;
          a.last_seq = std::max(a.last_seq, r.seq);
          if (r.seq <= a.watermark || a.dropped.count(r.seq) > 0) return;
          if (a.live_events++ == 0) a.first_live = {segment.number, kSegmentHeaderSize + offset};
          ++segment.live_events;
          ++result.live_events;
        },
        [](std::size_t, std::size_t) {});
    return {};
  }

  Expected<void> quarantine_file(const std::string& name, const std::string& why) {
    if (auto ok = make_directory(quarantine_dir()); !ok) return ok;
    if (auto ok = rename_file(path(name), quarantine_dir() + "/" + name); !ok) return ok;
    ++result.quarantined_files;
    result.repairs.push_back("segment " + name + " " + why + "; moved to quarantine/");
    return {};
  }

  void save_damaged(const std::string& name, std::size_t offset, std::string_view bytes) {
    result.quarantined_bytes += bytes.size();
    if (!make_directory(quarantine_dir())) return;
    const std::string target =
        quarantine_dir() + "/" + name + "." + std::to_string(kSegmentHeaderSize + offset) + ".damaged";
    (void)remove_file(target);  // left by an earlier, interrupted recovery
    if (!write_new_file(target, bytes)) result.repairs.push_back("could not save damaged bytes to " + target);
  }

  Expected<void> rewrite(const std::string& name, std::string_view header, const std::string& records) {
    const std::string tmp = path(name) + ".tmp";
    (void)remove_file(tmp);  // left by an earlier, interrupted recovery
    std::string content(header);
    content += records;
    if (auto ok = write_new_file(tmp, content); !ok) return ok;
    if (auto ok = rename_file(tmp, path(name)); !ok) return ok;
    return sync_directory(dir);
  }

  Expected<void> cut_torn_tail(const std::string& name, std::uint64_t valid_size, std::uint64_t size) {
    auto file = File::open_append(path(name), false);
    if (!file) return fail(file.error());
    if (auto ok = file->truncate(valid_size); !ok) return ok;
    result.torn_bytes += size - valid_size;
    result.repairs.push_back("segment " + name + ": cut a torn tail of " + format_size(size - valid_size) +
                             " (a write interrupted by a crash or power loss)");
    return file->sync_data();
  }
};

}  // namespace

std::string segment_name(std::uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.seg", static_cast<unsigned long long>(number));
  return name;
}

Expected<Recovery> recover(const std::string& dir) {
  Recoverer r{dir, {}};
  if (auto ok = r.run(); !ok) return fail(ok.error());
  return std::move(r.result);
}

}  // namespace mf::buffer::disk
