#include "agent/buffer/disk/format.hpp"

#include <cstring>

#include "agent/buffer/disk/crc32c.hpp"

namespace mf::buffer::disk {
namespace {

constexpr char kMagic[8] = {'M', 'F', 'B', 'U', 'F', 'S', 'E', 'G'};

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
std::uint32_t get32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint64_t get64(std::string_view b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
void set32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

bool has_number(RecordType t) { return t == RecordType::ack || t == RecordType::drop || t == RecordType::timed_event; }
bool has_text(RecordType t) { return t == RecordType::actor || is_event(t); }

std::size_t payload_size(const Record& r) {
  return 4 + (has_number(r.type) ? 8 : 0) + (has_text(r.type) ? r.text.size() : 0);
}

bool known_type(std::uint8_t t) { return t >= 1 && t <= 5; }

}  // namespace

std::string encode_segment_header(const SegmentHeader& header) {
  std::string out(kMagic, sizeof kMagic);
  put32(out, header.version);
  put32(out, 0);
  put64(out, header.segment);
  put64(out, header.first_seq);
  put32(out, crc32c(out.data(), out.size()));
  put32(out, 0);
  return out;
}

DecodedHeader decode_segment_header(std::string_view bytes) {
  DecodedHeader d;
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    d.status = HeaderStatus::not_a_segment;
    return d;
  }
  d.header.version = get32(bytes, 8);
  if (d.header.version > kFormatVersion) {
    d.status = HeaderStatus::newer_version;
    return d;
  }
  if (bytes.size() < kSegmentHeaderSize || d.header.version == 0 || get32(bytes, 32) != crc32c(bytes.data(), 32)) {
    d.status = HeaderStatus::corrupt;
    return d;
  }
  d.header.segment = get64(bytes, 16);
  d.header.first_seq = get64(bytes, 24);
  d.status = HeaderStatus::ok;
  return d;
}

std::size_t encoded_size(const Record& record) { return kRecordHeaderSize + payload_size(record); }

void encode_record(const Record& record, std::string& out) {
  const std::size_t start = out.size();
  put32(out, 0);  // CRC, filled in below
  put32(out, static_cast<std::uint32_t>(payload_size(record)));
  out.push_back(static_cast<char>(record.type));
  out.append(3, '\0');
  put64(out, record.seq);
  put32(out, record.actor);
  if (has_number(record.type)) put64(out, record.value);
  if (has_text(record.type)) out.append(record.text);
  set32(out, start, crc32c(out.data() + start + 4, out.size() - start - 4));
}

Decoded decode_record(std::string_view bytes) {
  Decoded d;
  if (bytes.size() < kRecordHeaderSize) {
    d.status = DecodeStatus::incomplete;
    return d;
  }
  const std::uint32_t length = get32(bytes, 4);
  const auto type = static_cast<std::uint8_t>(bytes[8]);
  const bool zero_pad = bytes[9] == 0 && bytes[10] == 0 && bytes[11] == 0;
  if (!known_type(type) || !zero_pad || length < 4 || length > kMaxPayload) return d;  // corrupt
  const auto t = static_cast<RecordType>(type);
  if (has_number(t) && (has_text(t) ? length < 12 : length != 12)) return d;
  const std::size_t size = kRecordHeaderSize + length;
  if (bytes.size() < size) {
    d.status = DecodeStatus::incomplete;
    d.size = size;
    return d;
  }
  if (get32(bytes, 0) != crc32c(bytes.data() + 4, size - 4)) return d;
  d.record.type = static_cast<RecordType>(type);
  d.record.seq = get64(bytes, 12);
  d.record.actor = get32(bytes, 20);
  const std::size_t text_at = has_number(d.record.type) ? 32 : 24;
  if (has_number(d.record.type)) d.record.value = get64(bytes, 24);
  if (has_text(d.record.type)) d.record.text = bytes.substr(text_at, kRecordHeaderSize + length - text_at);
  d.size = size;
  d.status = DecodeStatus::ok;
  return d;
}

ScanResult scan_records(std::string_view records, const RecordVisitor& on_record, const DamageVisitor& on_damage) {
  ScanResult result;
  std::size_t at = 0;
  while (at < records.size()) {
    const Decoded d = decode_record(records.substr(at));
    if (d.status == DecodeStatus::ok) {
      on_record(d.record, at);
      ++result.records;
      at += d.size;
      result.valid_end = at;
      continue;
    }
    // Damage: the next valid record, if any, marks where it ends. Nothing
    // valid after it means a torn tail, which the caller cuts off.
    std::size_t next = at + 1;
    while (next < records.size() && decode_record(records.substr(next)).status != DecodeStatus::ok) ++next;
    if (next >= records.size()) break;
    on_damage(at, next - at);
    ++result.corrupt_ranges;
    result.corrupt_bytes += next - at;
    at = next;
  }
  return result;
}

}  // namespace mf::buffer::disk
