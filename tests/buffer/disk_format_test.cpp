#include "agent/buffer/disk/crc32c.hpp"
#include "agent/buffer/disk/format.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace mf::buffer::disk {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  const std::string long_text(1000, 'a');
  EXPECT_EQ(crc32c(long_text.data() + 10, 990, crc32c(long_text.data(), 10)), crc32c(long_text.data(), 1000))
      << "chained in pieces equals all at once";
}

std::string records(std::initializer_list<Record> list) {
  std::string out;
  for (const auto& r : list) encode_record(r, out);
  return out;
}

TEST(DiskFormat, RecordsRoundTrip) {
  const std::string bytes = records({{RecordType::actor, 0, 7, 0, R"({"username":"a"})"},
                                     {RecordType::event, 42, 7, 0, R"({"seq":1})"},
                                     {RecordType::ack, 0, 7, 42, {}},
                                     {RecordType::drop, 0, 7, 41, {}}});
  std::vector<Record> seen;
  const auto scan = scan_records(bytes, [&](const Record& r, std::size_t) { seen.push_back(r); },
                                 [](std::size_t, std::size_t) { FAIL() << "no damage"; });
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(scan.valid_end, bytes.size());
  EXPECT_EQ(seen[0].text, R"({"username":"a"})");
  EXPECT_EQ(seen[1].seq, 42u);
  EXPECT_EQ(seen[1].actor, 7u);
  EXPECT_EQ(seen[1].text, R"({"seq":1})");
  EXPECT_EQ(seen[2].value, 42u);
  EXPECT_EQ(seen[3].type, RecordType::drop);
}

TEST(DiskFormat, AFlippedByteCostsOneRecordAndATornTailIsReported) {
  std::string bytes;
  for (int i = 0; i < 10; ++i) encode_record({RecordType::event, static_cast<std::uint64_t>(i + 1), 1, 0, R"({"seq":0})"}, bytes);
  const std::size_t one = bytes.size() / 10;
  bytes[4 * one + 25] ^= 0x01;  // inside the fifth record's payload
  bytes += "\x13\x37 half a record";
  std::vector<std::uint64_t> seqs;
  std::vector<std::pair<std::size_t, std::size_t>> damage;
  const auto scan = scan_records(bytes, [&](const Record& r, std::size_t) { seqs.push_back(r.seq); },
                                 [&](std::size_t at, std::size_t n) { damage.emplace_back(at, n); });
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 6, 7, 8, 9, 10}));
  ASSERT_EQ(damage.size(), 1u);
  EXPECT_EQ(damage[0], std::make_pair(4 * one, one));
  EXPECT_EQ(scan.valid_end, 10 * one) << "the tail after it is torn";
}

TEST(DiskFormat, SegmentHeadersCarryTheVersion) {
  const std::string header = encode_segment_header({kFormatVersion, 3, 1000});
  ASSERT_EQ(header.size(), kSegmentHeaderSize);
  auto d = decode_segment_header(header);
  EXPECT_EQ(d.status, HeaderStatus::ok);
  EXPECT_EQ(d.header.segment, 3u);
  EXPECT_EQ(d.header.first_seq, 1000u);
  std::string newer = header;
  newer[8] = static_cast<char>(kFormatVersion + 1);
  EXPECT_EQ(decode_segment_header(newer).status, HeaderStatus::newer_version);
  std::string damaged = header;
  damaged[20] ^= 4;
  EXPECT_EQ(decode_segment_header(damaged).status, HeaderStatus::corrupt);
  EXPECT_EQ(decode_segment_header("GIF89a...").status, HeaderStatus::not_a_segment);
}

}  // namespace
}  // namespace mf::buffer::disk

namespace mf::buffer::disk {
namespace {

// The seed corpus was written by a separate encoder (Python, from the format
// description in format.hpp): this reader must agree with it byte for byte.
TEST(DiskFormat, ReadsASegmentWrittenFromTheDescriptionAlone) {
  const std::string bytes = test::read_file(std::string(MF_SOURCE_DIR) + "/tests/fuzz/corpus/disk_segment/valid");
  const auto header = decode_segment_header(bytes);
  ASSERT_EQ(header.status, HeaderStatus::ok);
  int events = 0;
  const auto scan = scan_records(
      std::string_view(bytes).substr(kSegmentHeaderSize),
      [&](const Record& r, std::size_t) { events += r.type == RecordType::event ? 1 : 0; },
      [](std::size_t, std::size_t) { FAIL() << "no damage"; });
  EXPECT_EQ(scan.records, 12u);
  EXPECT_EQ(events, 8);
}

}  // namespace
}  // namespace mf::buffer::disk

namespace mf::buffer::disk {
namespace {

// Version 2 adds the timed event: the same independent encoder wrote this seed.
TEST(DiskFormat, ReadsAVersionTwoSegmentWithAcceptanceTimes) {
  const std::string bytes = test::read_file(std::string(MF_SOURCE_DIR) + "/tests/fuzz/corpus/disk_segment/valid_v2");
  const auto header = decode_segment_header(bytes);
  ASSERT_EQ(header.status, HeaderStatus::ok);
  EXPECT_EQ(header.header.version, 2u);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> timed;
  scan_records(
      std::string_view(bytes).substr(kSegmentHeaderSize),
      [&](const Record& r, std::size_t) {
        if (r.type == RecordType::timed_event) {
          timed.emplace_back(r.seq, r.value);
          EXPECT_EQ(r.text, "{\"seq\":" + std::to_string(r.seq) + "}");
        }
      },
      [](std::size_t, std::size_t) { FAIL() << "no damage"; });
  ASSERT_EQ(timed.size(), 5u);
  EXPECT_EQ(timed[2], std::make_pair(std::uint64_t{3}, std::uint64_t{1764612000003}));
}

TEST(DiskFormat, ATimedEventRoundTrips) {
  std::string out;
  encode_record({RecordType::timed_event, 77, 4, 1764612345678, R"({"a":1})"}, out);
  const Decoded d = decode_record(out);
  ASSERT_EQ(d.status, DecodeStatus::ok);
  EXPECT_EQ(d.record.type, RecordType::timed_event);
  EXPECT_EQ(d.record.seq, 77u);
  EXPECT_EQ(d.record.actor, 4u);
  EXPECT_EQ(d.record.value, 1764612345678u);
  EXPECT_EQ(d.record.text, R"({"a":1})");
  EXPECT_EQ(d.size, out.size());
  std::string too_short = out;
  too_short[4] = 8;  // a length that cannot hold the time
  EXPECT_NE(decode_record(too_short).status, DecodeStatus::ok);
}

}  // namespace
}  // namespace mf::buffer::disk
