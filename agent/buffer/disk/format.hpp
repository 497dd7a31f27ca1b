#pragma once
// The disk buffer's file format, version 2 (version 1 is read too). Pure
// functions over bytes, so the recovery reader can be fuzzed without a file
// system.
//
// A directory holds segments named <20-digit number>.seg, written append-only:
//
//   segment header (40 bytes)
//     0  magic "MFBUFSEG"
//     8  u32 format version
//    12  u32 zero
//    16  u64 segment number
//    24  u64 first sequence number (where numbering resumes after a restart)
//    32  u32 CRC-32C of bytes 0..31
//    36  u32 zero
//   records, each
//     0  u32 CRC-32C of bytes 4..end
//     4  u32 payload length
//     8  u8  type, then three zero bytes
//    12  u64 sequence number (events; 0 for other records)
//    20  payload
//
// Payloads (integers little-endian):
//   actor  u32 actor number, actor JSON           (before an actor's first event in each segment)
//   event     u32 actor number, attributes JSON    (version 1 only: no acceptance time)
//   ack       u32 actor number, u64 sequence number  (every event of the actor up to it is acknowledged)
//   drop      u32 actor number, u64 sequence number  (that one event was dropped by the overflow policy)
//   timed     u32 actor number, i64 acceptance time (epoch ms), attributes JSON   (version 2)
//
// Version 2 added the timed event; a version 1 agent refuses a version 2
// directory as newer instead of misreading it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mf::buffer::disk {

constexpr std::uint32_t kFormatVersion = 2;
constexpr std::size_t kSegmentHeaderSize = 40;
constexpr std::size_t kRecordHeaderSize = 20;
constexpr std::uint32_t kMaxPayload = 16U << 20;

enum class RecordType : std::uint8_t { actor = 1, event = 2, ack = 3, drop = 4, timed_event = 5 };

inline bool is_event(RecordType t) { return t == RecordType::event || t == RecordType::timed_event; }

struct SegmentHeader {
  std::uint32_t version = kFormatVersion;
  std::uint64_t segment = 0;
  std::uint64_t first_seq = 0;
};

enum class HeaderStatus { ok, not_a_segment, newer_version, corrupt };

struct DecodedHeader {
  HeaderStatus status = HeaderStatus::corrupt;
  SegmentHeader header;
};

std::string encode_segment_header(const SegmentHeader& header);
DecodedHeader decode_segment_header(std::string_view bytes);

struct Record {
  RecordType type = RecordType::event;
  std::uint64_t seq = 0;
  std::uint32_t actor = 0;
  std::uint64_t value = 0;  // ack and drop: the sequence number they refer to; timed: the acceptance time
  std::string_view text;    // actor: actor JSON; event, timed: attributes JSON
};

// Appends the encoded record to out.
void encode_record(const Record& record, std::string& out);
std::size_t encoded_size(const Record& record);

enum class DecodeStatus { ok, incomplete, corrupt };

struct Decoded {
  DecodeStatus status = DecodeStatus::corrupt;
  Record record;      // views into the input
  std::size_t size = 0;  // bytes the record takes: when ok, and when incomplete with a whole header
};

Decoded decode_record(std::string_view bytes);

// What a scan of a segment's records found. Valid records are reported in
// order; damage is reported as byte ranges (offsets from the start of `records`).
struct ScanResult {
  std::size_t valid_end = 0;      // end of the last valid record: anything after it is a torn tail
  std::size_t records = 0;
  std::size_t corrupt_ranges = 0;
  std::size_t corrupt_bytes = 0;  // in the middle, between valid records
};

using RecordVisitor = std::function<void(const Record&, std::size_t offset)>;
using DamageVisitor = std::function<void(std::size_t offset, std::size_t size)>;

// Walks records; after a corrupt one, looks for the next offset where a valid
// record starts (a flipped byte costs one record, not the rest of the segment).
ScanResult scan_records(std::string_view records, const RecordVisitor& on_record, const DamageVisitor& on_damage);

}  // namespace mf::buffer::disk
