#include "agent/common/json.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mf::json {
namespace {

constexpr std::size_t kMaxNumberLength = 128;
constexpr std::size_t kMaxExponentDigits = 5;

// Tracks one number literal: its length and the digits of its exponent.
struct NumberScan {
  bool active = false;
  bool in_exponent = false;
  std::size_t length = 0;
  std::size_t exponent_digits = 0;

  void reset() { *this = NumberScan{}; }
  bool too_long() const { return length > kMaxNumberLength || exponent_digits > kMaxExponentDigits; }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape whose 'u' is at i, or -1 when malformed
// (RapidJSON then reports the malformed escape itself).
long escape_code(std::string_view text, std::size_t i) {
  if (i + 4 >= text.size()) return -1;
  long code = 0;
  for (std::size_t k = 1; k <= 4; ++k) {
    const int h = hex_value(text[i + k]);
    if (h < 0) return -1;
    code = code * 16 + h;
  }
  return code;
}

bool is_high_surrogate(long code) { return code >= 0xD800 && code <= 0xDBFF; }
bool is_low_surrogate(long code) { return code >= 0xDC00 && code <= 0xDFFF; }

// True when every byte is below 0x80, eight at a time: such text is valid
// UTF-8 by construction, so RapidJSON's per-character validation (4.5 % of
// the agent's CPU at full speed, by perf) can be skipped.
bool is_ascii(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t seen = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    seen |= word;
  }
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & 0x8080808080808080ULL) == 0;
}

// The first '"' or '\\' at or after `from` (text.size() if none), eight bytes
// at a time: string contents are most of an event, and need no other look.
std::size_t next_quote_or_backslash(std::string_view text, std::size_t from) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto has_zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (has_zero_byte(word ^ (kOnes * '"')) | has_zero_byte(word ^ (kOnes * '\\'))) break;
  }
  for (; i < text.size(); ++i) {
    if (text[i] == '"' || text[i] == '\\') return i;
  }
  return i;
}

bool starts_number(char c) { return c == '-' || (c >= '0' && c <= '9'); }
bool continues_number(char c) { return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'; }

}  // namespace

Status check_limits(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(ErrorKind::invalid_input, "too large: " + std::to_string(text.size()) + " bytes, the limit is " +
                                                 std::to_string(limits.max_bytes));
  }
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool after_high_surrogate = false;  // the previous escape opened a UTF-16 pair
  NumberScan number;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      // RapidJSON 1.1.0 turns a lone low-surrogate escape (\uDC00-\uDFFF) into
      // bytes that are not UTF-8; a collector then drops the whole frame.
      if (escaped) {
        escaped = false;
        const long code = c == 'u' ? escape_code(text, i) : -1;
        if (is_low_surrogate(code) && !after_high_surrogate) {
          return fail(ErrorKind::invalid_input, "not valid JSON: the \\u escape at offset " + std::to_string(i - 1) +
                                                    " is a lone UTF-16 low surrogate");
        }
        after_high_surrogate = is_high_surrogate(code);
        if (code >= 0) i += 4;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        after_high_surrogate = false;
      } else {
        after_high_surrogate = false;
        i = next_quote_or_backslash(text, i + 1) - 1;  // the loop's ++i lands on it
      }
      continue;
    }
    if (number.active) {
      if (continues_number(c)) {
        ++number.length;
        if (c == 'e' || c == 'E') number.in_exponent = true;
        else if (number.in_exponent && c >= '0' && c <= '9') ++number.exponent_digits;
        if (number.too_long()) {
          return fail(ErrorKind::invalid_input, "number at offset " + std::to_string(i) + " is too long to be a sane value");
        }
        continue;
      }
      number.reset();
    }
    if (starts_number(c)) {
      number.active = true;
      number.length = 1;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > limits.max_depth) {
          return fail(ErrorKind::invalid_input,
                      "nested too deeply: more than " + std::to_string(limits.max_depth) + " levels");
        }
        break;
      case '}':
      case ']': --depth; break;
      default: break;
    }
  }
  return {};
}

namespace {

template <class Document>
Status parse_into(Document& doc, std::string_view text, const Limits& limits) {
  if (auto ok = check_limits(text, limits); !ok) return ok;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;
  if (is_ascii(text)) {
    doc.template Parse<kFlags>(text.data(), text.size());
  } else {
    doc.template Parse<kFlags | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  }
  if (doc.HasParseError()) {
    return fail(ErrorKind::invalid_input, std::string("not valid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                                                 " (at offset " + std::to_string(doc.GetErrorOffset()) + ")");
  }
  return {};
}

}  // namespace

Expected<rapidjson::Document> parse_untrusted(std::string_view text, const Limits& limits) {
  rapidjson::Document doc;
  if (auto ok = parse_into(doc, text, limits); !ok) return fail(ok.error());
  return doc;
}

ScratchDocument::ScratchDocument()
    : values_(values_buffer_, sizeof values_buffer_),
      stack_(stack_buffer_, sizeof stack_buffer_),
      doc_(&values_, kStackBytes, &stack_) {}

Status ScratchDocument::parse(std::string_view text, const Limits& limits) { return parse_into(doc_, text, limits); }

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string to_string_without(const rapidjson::Value& object, const std::vector<std::string_view>& names) {
  if (names.empty() || !object.IsObject()) return to_string(object);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    writer.Key(it->name.GetString(), it->name.GetStringLength());
    it->value.Accept(writer);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

const char* describe_type(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "unknown";
}

const rapidjson::Value* find(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const char* find_string(const rapidjson::Value& object, std::string_view name) {
  const auto* v = find(object, name);
  return v != nullptr && v->IsString() ? v->GetString() : nullptr;
}

}  // namespace mf::json
