#include "agent/platforms/manufactory/schema/data_type.hpp"

#include <array>
#include <cstdint>

namespace mf::manufactory {
namespace {

struct TypeEntry {
  DataType type;
  std::string_view name;
  std::string_view rule;
};

constexpr std::array<TypeEntry, 7> kTypes{{
    {DataType::text, "TEXT", "TEXT (a string)"},
    {DataType::integer, "INTEGER", "INTEGER (-2147483648..2147483647)"},
    {DataType::date, "DATE", "DATE (yyyy-mm-dd, a calendar day)"},
    {DataType::time, "TIME", "TIME (HH:MM:SS, 00:00:00..23:59:59)"},
    {DataType::timestamp, "TIMESTAMP", "TIMESTAMP (yyyy-mm-dd HH:MM:SS)"},
    {DataType::json, "JSON", "JSON (any value)"},
    {DataType::boolean, "BOOLEAN", "BOOLEAN (true or false)"},
}};

const TypeEntry& entry(DataType type) { return kTypes[static_cast<std::size_t>(type)]; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// `count` digits at `at` as a number; -1 when one of them is not a digit.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  int n = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    n = n * 10 + (text[i] - '0');
  }
  return n;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

}  // namespace

std::optional<DataType> parse_data_type(std::string_view name) {
  for (const auto& t : kTypes) {
    if (equal_ignoring_case(name, t.name)) return t.type;
  }
  return std::nullopt;
}

std::string_view type_name(DataType type) { return entry(type).name; }
std::string_view type_rule(DataType type) { return entry(type).rule; }
std::string_view known_type_names() { return "TEXT, INTEGER, DATE, TIME, TIMESTAMP, JSON, BOOLEAN"; }

bool is_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  const int year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

bool is_time(std::string_view t) {
  if (t.size() != 8 || t[2] != ':' || t[5] != ':') return false;
  const int hours = digits(t, 0, 2), minutes = digits(t, 3, 2), seconds = digits(t, 6, 2);
  return hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59 && seconds >= 0 && seconds <= 59;
}

bool is_timestamp(std::string_view t) {
  return t.size() == 19 && t[10] == ' ' && is_date(t.substr(0, 10)) && is_time(t.substr(11));
}

bool value_fits(DataType type, const ingest::AttributeInfo& v) {
  using ingest::ValueKind;
  switch (type) {
    case DataType::text: return v.kind == ValueKind::string;
    case DataType::integer: return v.kind == ValueKind::number && v.is_int32;  // 1.0 and 1e3 are not integer literals
    case DataType::date: return v.kind == ValueKind::string && is_date(v.text);
    case DataType::time: return v.kind == ValueKind::string && is_time(v.text);
    case DataType::timestamp: return v.kind == ValueKind::string && is_timestamp(v.text);
    case DataType::json: return true;
    case DataType::boolean: return v.kind == ValueKind::boolean;
  }
  return false;
}

}  // namespace mf::manufactory
