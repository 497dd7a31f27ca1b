// Every input a fuzzer once crashed on stays a test: tests/fuzz/regressions/<target>/*.
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/common/json.hpp"
#include "agent/ingest/ingest.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf {
namespace {

std::vector<std::string> regression_inputs(const std::string& target) {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(MF_SOURCE_DIR) / "tests/fuzz/regressions" / target;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) out.push_back(test::read_file(entry.path().string()));
  return out;
}

TEST(FuzzRegressions, IngestLinesAreRefusedOrComeOutValid) {
  const auto inputs = regression_inputs("ingest_line");
  ASSERT_FALSE(inputs.empty());
  for (const auto& input : inputs) {
    auto parsed = ingest::parse_line(input, {64 * 1024, 32});
    if (!parsed) continue;
    EXPECT_TRUE(json::parse_untrusted(parsed->attributes_json, {128 * 1024, 32})) << parsed->attributes_json;
  }
}

}  // namespace
}  // namespace mf
