// The key reference in docs/configuration.md and in manufactory-agent.yaml(5)
// is the one the key declarations make: a key added, renamed or given a new
// default fails here until tools/update-docs.sh has been run.
#include "agent/config/key_reference.hpp"

#include <gtest/gtest.h>

#include <string>

#include "agent/config/config_keys.hpp"
#include "agent/platforms/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::config {
namespace {

const KeyTable& table() {
  static const KeyTable keys(platforms::config_decls());
  return keys;
}

// What lies between the line starting with `begin` and the line starting with `end`.
std::string between_markers(const std::string& text, const std::string& begin, const std::string& end) {
  const auto first = text.find("\n" + begin);
  if (first == std::string::npos) return "(no line starting with " + begin + ")";
  const auto body = text.find('\n', first + 1) + 1;
  const auto last = text.find("\n" + end, body - 1);
  if (last == std::string::npos) return "(no line starting with " + end + ")";
  return text.substr(body, last + 1 - body);
}

// Empty when equal, else the first line that differs, so a failure reads in one line.
std::string first_difference(const std::string& document, const std::string& generated) {
  std::size_t a = 0, b = 0;
  for (int line = 1;; ++line) {
    const auto a_end = document.find('\n', a), b_end = generated.find('\n', b);
    const auto a_line = document.substr(a, a_end - a), b_line = generated.substr(b, b_end - b);
    if (a_line != b_line) return "line " + std::to_string(line) + " of the list is\n  " + a_line + "\nbut the keys say\n  " + b_line;
    if (a_end == std::string::npos || b_end == std::string::npos) return a_end == b_end ? "" : "the lengths differ";
    a = a_end + 1;
    b = b_end + 1;
  }
}

std::string source_file(const std::string& path) { return test::read_file(std::string(MF_SOURCE_DIR) + "/" + path); }

TEST(KeyReference, TheConfigurationDocumentCarriesTheGeneratedTable) {
  EXPECT_EQ(first_difference(between_markers(source_file("docs/configuration.md"), "<!-- keys:begin", "<!-- keys:end"),
                             key_reference(KeyFormat::markdown, table())),
            "")
      << "run tools/update-docs.sh";
}

TEST(KeyReference, TheManPageCarriesTheGeneratedList) {
  EXPECT_EQ(first_difference(between_markers(source_file("docs/man/manufactory-agent.yaml.5"), ".\\\" keys:begin",
                                             ".\\\" keys:end"),
                             key_reference(KeyFormat::man, table())),
            "")
      << "run tools/update-docs.sh";
}

TEST(KeyReference, EveryKeyIsListedInEveryFormat) {
  for (const auto format : {KeyFormat::text, KeyFormat::markdown, KeyFormat::man}) {
    const std::string reference = key_reference(format, table());
    for (const auto& key : table().keys()) {
      const std::string name(key.name);
      EXPECT_NE(reference.find(format == KeyFormat::man ? ".B " + name + "\n" : name), std::string::npos) << name;
    }
  }
}

TEST(KeyReference, RoffAndMarkdownSpecialsAreEscaped) {
  const std::string man = key_reference(KeyFormat::man, table());
  for (std::size_t at = 0; (at = man.find('\n', at)) != std::string::npos; ++at) {
    const auto line = man.substr(at + 1, 4);
    if (line.empty() || line[0] != '.') continue;
    EXPECT_TRUE(line.rfind(".TP", 0) == 0 || line.rfind(".B ", 0) == 0) << "a text line would be read as a request: " << line;
  }
  const std::string markdown = key_reference(KeyFormat::markdown, table());
  for (std::size_t at = 0; (at = markdown.find('\n', at)) != std::string::npos; ++at) {
    const auto end = markdown.find('\n', at + 1);
    if (end == std::string::npos) break;
    const std::string row = markdown.substr(at + 1, end - at - 1);
    std::size_t cells = 0;
    for (std::size_t i = 0; i < row.size(); ++i) cells += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
    EXPECT_EQ(cells, 6u) << "a row with a stray |: " << row;
  }
}

}  // namespace
}  // namespace mf::config
